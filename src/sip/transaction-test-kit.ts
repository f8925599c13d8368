import { FakeClock } from '../lib/clock.js';
import { createRequest, createResponse } from './builders.js';
import type { SipMessage, SipRequest, SipResponse } from './message.js';
import { DEFAULT_TIMERS } from './timers.js';
import type { TransactionEnv } from './transaction-client.js';

/** Small helpers the transaction tests share: a recording env on a FakeClock, and canned messages. */
export interface RecordingEnv extends TransactionEnv {
  clock: FakeClock;
  sent: Array<{ at: number; msg: SipMessage }>;
  terminatedCount: number;
}

export function recordingEnv(reliable: boolean, clock = new FakeClock(0)): RecordingEnv {
  const env: RecordingEnv = {
    clock,
    timers: DEFAULT_TIMERS,
    reliable,
    sent: [],
    terminatedCount: 0,
    send: (msg) => env.sent.push({ at: clock.now(), msg }),
    terminated: () => {
      env.terminatedCount++;
    },
  };
  return env;
}

export function request(method: string, branch = 'z9hG4bKtest1'): SipRequest {
  const req = createRequest(
    { method, uri: 'sip:bob@192.0.2.2', from: '<sip:alice@192.0.2.1>', to: '<sip:bob@192.0.2.2>', callId: 'call-1', cseq: 7 },
    () => 'fromtag',
  );
  req.prepend('Via', `SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}`);
  return req;
}

export function response(req: SipRequest, status: number): SipResponse {
  return createResponse(req, status, undefined, { toTag: 'totag' });
}
