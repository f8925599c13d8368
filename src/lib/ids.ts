import { randomHex } from './random.js';

/** `ivr_session_id`: 32 lowercase hex characters, one per phone call. */
export function newSessionId(): string {
  return randomHex(16);
}
