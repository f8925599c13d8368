import type { OutboxRequest } from './outbox-worker.js';
import { formatTimestamp } from './timestamp.js';

export interface TranscriptionPostbackInput {
  /** The IVR's `transcription_url`; its own query parameters stay first. */
  url: string;
  ivrId: number;
  /** The interaction's `ivr_response_id`, sent as `unique_id`. */
  responseId: number;
  /** From 1, as in the flows file. */
  questionNo: number;
  /** Length of the recording. */
  durationMs: number;
  /** When the transcription finished. */
  at: Date;
  text: string;
  /** The flows file's `timezone`, for `date`. */
  timezone: string;
  /** The IVR webhook's `secret`: the spec signs post-backs with it too. */
  secret?: string;
}

/**
 * The transcription post-back (docs/webhook.md "Transcription post-back"): one GET with `survo_id`,
 * `unique_id`, `question`, `duration`, `date` and `text`, for the OutboxWorker to deliver durably
 * (kind 'transcription'). The names are the original's, kept so that existing receivers work.
 */
export function transcriptionPostback(input: TranscriptionPostbackInput): OutboxRequest {
  const req: OutboxRequest = {
    method: 'GET',
    url: input.url,
    params: [
      ['survo_id', String(input.ivrId)],
      ['unique_id', String(input.responseId)],
      ['question', String(input.questionNo)],
      // Rounded, as recorded lengths are when they add to ivr_monitored_time: a 0.6 s answer is not "0".
      // An unknown length is '' (the contract's rule for unknown values) rather than a lost post-back.
      ['duration', Number.isFinite(input.durationMs) ? String(Math.max(0, Math.round(input.durationMs / 1000))) : ''],
      ['date', formatTimestamp(input.at, input.timezone)],
      ['text', input.text],
    ],
  };
  if (input.secret !== undefined) req.secret = input.secret;
  return req;
}
