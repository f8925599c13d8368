import { randomBytes } from 'node:crypto';

/** `ivr_session_id`: 32 lowercase hex characters, one per phone call. */
export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}
