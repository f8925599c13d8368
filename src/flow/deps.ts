import type { Flows, Prompt } from '../config/types.js';
import type { PlayablePart } from '../calls/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';
import type { FlowEventSink } from './events.js';
import type { WebhookSender } from './webhook-step.js';
import { substitute } from './substitute.js';
import type { CallSummary } from '../webhook/postcall.js';
import type { VoicemailMessage } from '../webhook/voicemail.js';

export type { VoicemailMessage };

/** Everything the flow needs from outside, injected once per server (or per simulated call). */
export interface FlowDeps {
  flows: Flows;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Absolute data dir: recordings/ and audio/ live under it. */
  dataDir: string;
  sendWebhook: WebhookSender;
  /** Dial-out policy: undefined when the number may be dialled, else the reason it may not. */
  checkDial(destination: string): string | undefined;
  events?: FlowEventSink;
  /**
   * Undefined while the flow runs the call; once the server has ended the call from outside the flow
   * (a shutdown), the end reason to record in place of the flow's own.
   */
  cutOffReason?(): string | undefined;
  /** Called once when a call has ended (post-call actions hang off this). */
  onCallEnded?(summary: CallSummary): Promise<void>;
  /** Called when a caller has left a voicemail message (its notification hangs off this). */
  onVoicemail?(message: VoicemailMessage): Promise<void>;
  /** A recorded answer's transcription job was written (flow/ivr.ts); the transcription worker hangs off this. */
  onTranscriptionQueued?(job: { id: number; mode: 'standard' | 'human' }): void;
}

/** Turns a configured prompt into playable parts: `@name` substituted in text and in audio file names. */
export function renderPrompt(prompt: Prompt, params: Readonly<Record<string, string>>): PlayablePart[] {
  return prompt.map((part) =>
    'text' in part ? { text: substitute(part.text, params) } : { audioPath: substitute(part.audio, params) },
  );
}

export function say(text: string): PlayablePart[] {
  return [{ text }];
}
