/**
 * The typed model of the flows file (see docs/flows.md). The loader turns YAML into these
 * objects once at start; nothing downstream reads raw YAML.
 */
import { SOURCETRAK_PARAMS } from './names.js';

/** One part of a prompt: text read by text-to-speech (`@name` substituted at play time) or an audio library file. */
export type PromptPart = { text: string } | { audio: string };
/** Always normalised to a list of parts, even when the file gives a plain string. */
export type Prompt = PromptPart[];

export type BlockKind = 'ivr' | 'findme' | 'vr' | 'voicemail';
export interface BlockRef {
  kind: BlockKind;
  id: number;
}

export interface SayQuestion {
  type: 'say';
  prompt: Prompt;
}
export interface KeypadQuestion {
  type: 'keypad';
  prompt: Prompt;
  minDigits: number; // default 1
  maxDigits: number; // default 20
  terminator: string; // default "#"; "" for none
  timeoutS: number; // first-digit and inter-digit timeout; default 5
}
export interface MenuQuestion {
  type: 'menu';
  prompt: Prompt;
  options: Record<string, string>; // key pressed -> answer value
  timeoutS: number; // default 5
}
export interface RecordedQuestion {
  type: 'recorded';
  prompt: Prompt;
  maxSeconds: number; // default 60
  transcribe: 'none' | 'standard' | 'human'; // default none
}
export type Question = SayQuestion | KeypadQuestion | MenuQuestion | RecordedQuestion;

/** Call fields a dynamic parameter may take its value from (`call.<field>` in the flows file). */
export const CALL_FIELDS = [
  'caller_id',
  'number_called',
  'session_id',
  'pass_through',
  'timestamp',
  'ivr_id',
  'response_id',
] as const;
export type CallField = (typeof CALL_FIELDS)[number];

/** `question.N`, `user.NAME` or `call.FIELD` in the flows file. */
export type ParamSource =
  | { kind: 'question'; n: number }
  | { kind: 'user'; name: string }
  | { kind: 'call'; field: CallField };

export interface WebhookParam {
  name: string;
  source: ParamSource;
}

export interface WebhookConfig {
  action: 'next_action' | 'read_text'; // default next_action
  method: 'GET' | 'POST'; // default POST
  url: string;
  parameters: WebhookParam[];
  includeSourcetrak: boolean; // default false
  timeoutS: number; // 1-30, default 10
  secret?: string;
  transcriptionUrl?: string;
  /** Said before hanging up when the webhook fails; default the spec's apology. */
  onFailure: Prompt;
}

export interface IvrConfig {
  id: number;
  name: string;
  optOutKey?: string;
  questions: Question[];
  webhook?: WebhookConfig;
}

export interface FindMeConfig {
  id: number;
  /** A label for people; default "". Optional so Find Mes built in code (dynamic ones) need none. */
  name?: string;
  phoneList: string[];
  simultaneous: number; // default 1
  timeoutS: number; // ring time per attempt, default 20
  screenMethod: 0 | 1 | 2 | 3; // default 3
  whisperPhrase: string;
  whisperAudio?: string;
  record: 0 | 1;
  autoAccept: 0 | 1 | 2 | 3;
  nextaction: 1 | 2 | 3 | 4 | 5 | 6 | 7; // default 1
  nextactionitem?: number;
  loopCount: number; // default 1
  randomize: boolean;
  holdmusic: string; // "ringback" or an audio library file
}

export interface VrConfig {
  id: number;
  name?: string;
  prompt: Prompt;
  options: Record<string, BlockRef>;
}

export interface VoicemailConfig {
  id: number;
  name?: string;
  greeting: Prompt;
  maxSeconds: number; // default 120
  /** `notify_url` / `notify_method` / `notify_secret`: a request for every message left. */
  notify?: { url: string; method: 'GET' | 'POST'; secret?: string };
}

/**
 * Call fields a post-call action parameter may take its value from (`call.<field>` in
 * `post_call_actions`). A list of its own, not CALL_FIELDS: a post-call request describes the whole
 * call once it has ended (start, end, how it ended), not one IVR interaction (ivr_id, response_id).
 */
export const POST_CALL_FIELDS = [
  'session_id',
  'caller_id',
  'number_called',
  'start',
  'end',
  'duration',
  'end_reason',
  'transfer_target',
  'monitored_time',
  'recording_url',
  'pass_through',
  // The call's SourceTrak match (docs/sourcetrak.md): empty for a call not on a pool's number.
  ...SOURCETRAK_PARAMS,
] as const;
export type PostCallField = (typeof POST_CALL_FIELDS)[number];

/** `call.FIELD`, or `ivr.ID.question.N`: the answer to question N of IVR ID (empty when not asked). */
export type PostCallSource = { kind: 'call'; field: PostCallField } | { kind: 'answer'; ivrId: number; questionNo: number };

export interface PostCallParam {
  name: string;
  source: PostCallSource;
}

/** Which calls an action fires for: a dialed number from `numbers`, or a building block the call visited. */
export type PostCallScope = { kind: 'number'; number: string } | BlockRef;

/** Post Call Action (reference §6): one request to `url` after every call it applies to. */
export interface PostCallAction {
  /** From the file's `id`, or the position from 1; unique among post-call actions. */
  id: number;
  url: string;
  method: 'GET' | 'POST'; // default GET, as the original's "REST" call
  parameters: PostCallParam[];
  /** Empty: every call. Otherwise the call must match any one entry. */
  appliesTo: PostCallScope[];
  secret?: string;
}

/** A SourceTrak pool (`sourcetrak_pools`, docs/sourcetrak.md). */
export interface SourcetrakPool {
  name: string;
  /** Tracking numbers, in file order; `defaultNumber` among them is never handed to a tracked visitor. */
  numbers: string[];
  /** For visitors who ask not to be tracked: the file's `default_number`, or the first of `numbers`. */
  defaultNumber: string;
  /** Shown to search-engine crawlers; a call to one is marked `st_sourceguard=1`. */
  sourceguardNumbers: string[];
  activityKeyword: string;
  /** Host names whose pages may use the pool; each covers its subdomains. */
  domains: string[];
  domainSetId?: number;
  /** Defaults for st_campaign and st_platform when the visit's URL has none. */
  campaign: string;
  platform: string;
  locations: string[];
  /** Numbers the pages show in their text, replaced by the tag. */
  replaceNumbers: string[];
  /** Minutes a session stays live after its last page view (and its number stays its own). */
  holdMinutes: number;
}

export interface Flows {
  /** Path of the file the flows came from, for messages. */
  file: string;
  timezone: string; // IANA zone, default UTC
  numbers: Map<string, BlockRef>;
  /** Labels of numbers that have one (`numbers: { "800...": { to: ivr/10, label: Main line } }`). */
  numberLabels?: Map<string, string>;
  ivrs: Map<number, IvrConfig>;
  findmes: Map<number, FindMeConfig>;
  vrs: Map<number, VrConfig>;
  voicemails: Map<number, VoicemailConfig>;
  /**
   * `post_call_actions`, in file order. The loader always sets it (default []); optional only so that
   * Flows built by hand in tests elsewhere keep compiling until they set it. Read as `?? []`.
   */
  postCallActions?: PostCallAction[];
  /** `sourcetrak_pools` by name, in file order; optional for the same reason as postCallActions. */
  sourcetrakPools?: Map<string, SourcetrakPool>;
}

export const DEFAULT_FAILURE_TEXT = 'We are sorry, we are unable to complete your call at this time. Goodbye.';
