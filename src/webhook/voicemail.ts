import { formatTimestamp } from './timestamp.js';

/** A message a caller left in a voicemail box. */
export interface VoicemailMessage {
  voicemailId: number;
  sessionId: string;
  callerId: string;
  numberCalled: string;
  /** Data-dir relative path of the WAV. */
  path: string;
  durationMs: number;
  at: Date;
}

/**
 * The voicemail notification's parameters: which box, who called, when, how long, and where the
 * message is (a path in the data dir). Times are ISO 8601 in the flows' time zone, like ivr_timestamp.
 */
export function voicemailParams(m: VoicemailMessage, timezone: string): Array<[string, string]> {
  return [
    ['voicemail_id', String(m.voicemailId)],
    ['session_id', m.sessionId],
    ['caller_id', m.callerId],
    ['number_called', m.numberCalled],
    ['timestamp', formatTimestamp(m.at, timezone)],
    ['duration', String(Math.round(m.durationMs / 1000))],
    ['recording', m.path],
  ];
}
