/**
 * CallControl: the only way the flow layer touches a phone call. Two implementations share it:
 * the simulator (calls/simulator) and real telephony (SIP + RTP + media). The flow never sees sockets.
 */

/** A prompt ready to play: text already @name-substituted, audio as a path resolved in the audio library. */
export type PlayablePart = { text: string } | { audioPath: string } | { tone: 'beep' } | { silenceMs: number };

export interface PlayResult {
  /** A key press stopped the prompt (barge-in); the key stays queued for the next collect. */
  interrupted: boolean;
}

export interface CollectOptions {
  maxDigits: number;
  /** Keys that end input and are not part of the digits, e.g. "#". */
  terminators: string;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
}

export interface CollectResult {
  digits: string;
  /** The terminator that ended input, when one did. */
  terminator?: string;
  reason: 'max' | 'terminator' | 'timeout' | 'hangup';
}

export interface RecordOptions {
  /** Absolute path of the WAV file to write. */
  path: string;
  maxMs: number;
  /** Keys that end the recording (not recorded). */
  finishKeys: string;
  /** End after this much silence following speech; undefined disables. */
  silenceMs?: number;
}

export interface RecordResult {
  durationMs: number;
  reason: 'key' | 'max' | 'silence' | 'hangup';
  key?: string;
}

/**
 * How a dial ended. `refused`: hookline itself would not place the leg (the dial-out policy, a
 * per-call limit); the far end never heard of it.
 */
export type DialOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'canceled' | 'refused';

export interface DialOptions {
  /** Ring time before giving up. */
  timeoutMs: number;
  callerId?: string;
  /** Aborting cancels the attempt (CANCEL in SIP). */
  signal?: AbortSignal;
  /**
   * While the leg rings, let the caller hear the far end's early media (a 183 Session Progress with
   * SDP, RFC 3960) in place of the hold audio, once its audio arrives. For a dial that rings one leg at
   * a time (a transfer): with several legs ringing there is no saying whose audio the caller should hear.
   */
  earlyMedia?: boolean;
}

/** The far leg of a dial: a call in its own right once answered. */
export interface Leg extends CallControlBase {
  readonly destination: string;
}

export interface BridgeOptions {
  /** When set, the bridged audio is written here as a 2-channel WAV (caller left, callee right). */
  recordPath?: string;
}

export interface BridgeResult {
  /** Which side hung up first. */
  endedBy: 'caller' | 'callee';
  durationMs: number;
  recordedMs: number;
}

export type CallEndReason = 'remote_hangup' | 'local_hangup' | 'failed';

/** What any leg can do: media in and out, and hanging up. */
export interface CallControlBase {
  /** The per-call id: 32 lowercase hex characters (`ivr_session_id`). */
  readonly sessionId: string;
  readonly hungUp: boolean;
  play(parts: PlayablePart[], opts?: { bargeIn?: boolean }): Promise<PlayResult>;
  collectDigits(opts: CollectOptions): Promise<CollectResult>;
  /** Drops keys typed ahead (used before asking a question again after an invalid entry). */
  flushDigits(): void;
  record(opts: RecordOptions): Promise<RecordResult>;
  hangup(): Promise<void>;
  /** Resolves once, when the call ends for any reason. */
  readonly ended: Promise<CallEndReason>;
}

export interface CallControl extends CallControlBase {
  readonly direction: 'inbound' | 'outbound';
  /** A test call (the console's Test panel, POST /api/v1/test-calls): stored and listed as one. */
  readonly test?: boolean;
  /** Caller id (From user part); empty when withheld. */
  readonly from: string;
  /** The dialed number as routed (DNIS). */
  readonly to: string;
  answer(): Promise<void>;
  /** Places a second leg; resolves with the outcome and, when answered, the leg. */
  dial(destination: string, opts: DialOptions): Promise<{ outcome: DialOutcome; leg?: Leg }>;
  /** Connects this call with an answered leg until either side hangs up. */
  bridge(leg: Leg, opts?: BridgeOptions): Promise<BridgeResult>;
  /** Plays ringback or hold music to the caller until the returned function is called. */
  startHoldAudio(kind: 'ringback' | { audioPath: string }): () => void;
}
