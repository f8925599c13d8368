import type { BlockRef, FindMeConfig } from '../config/types.js';

/**
 * What a call carries from one building block to the next: pass-through (`p_t`), user parameters,
 * recorded-transfer seconds. Owned by the runner; blocks read and update it.
 */
export interface CallState {
  sessionId: string;
  direction: 'inbound' | 'outbound';
  callerId: string;
  numberCalled: string;
  passThrough: string;
  userParameters: Record<string, string>;
  monitoredSeconds: number;
  /** Outbound calls only: answered, busy, no_answer, failed, canceled. */
  callResult: '' | 'answered' | 'busy' | 'no_answer' | 'failed' | 'canceled';
  sourcetrak?: Record<string, string>;
  /** Building blocks run so far ('ivr/10', 'findme/4', ...), for post-call actions. */
  visited: string[];
  /** Every answer given in the call, in order (an IVR run twice contributes twice). */
  answers: Array<{ ivrId: number; questionNo: number; value: string }>;
  /** The number a transfer or Find Me connected the caller to. */
  transferTarget?: string;
  /** Data-dir path of the bridged call's recording, when recorded. */
  recordingPath?: string;
}

/** What a building block asks the runner to do next. */
export type Next =
  | { kind: 'block'; ref: BlockRef }
  | { kind: 'transfer'; destination: string }
  /** A Find Me built from a webhook response rather than the flows file. */
  | { kind: 'dynamic_findme'; config: FindMeConfig }
  | { kind: 'hangup'; reason: string }
  /** The caller has gone; nothing more to do. */
  | { kind: 'ended' };

export function describeRef(ref: BlockRef): string {
  return `${ref.kind}/${ref.id}`;
}
