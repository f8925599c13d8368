/**
 * The configuration as the Administration API sends it: each item is an entry of the flows file, in
 * its snake_case shape, with every default written out (docs/flows.md describes each key).
 *
 * A copy, unlike the call and webhook shapes (history.ts imports those from the server): the server
 * has no type for this shape to import. src/config/types.ts is the loaded model (camelCase, prompts
 * always lists, references parsed), a different shape; the API's items come from canonical.ts, which
 * builds them as untyped JSON; and schema.ts's Raw* types (the file as zod reads it) are close but not
 * it (a block made in the console has no id yet), and nothing checks the API's answers against them.
 * canonical.test.ts checks that the shape the API sends loads back to the same model.
 */
export type PromptPart = { text: string } | { audio: string };
export type Prompt = string | PromptPart[];

export interface SayQuestion {
  type: 'say';
  prompt: Prompt;
}
export interface KeypadQuestion {
  type: 'keypad';
  prompt: Prompt;
  min_digits: number;
  max_digits: number;
  terminator: '#' | '*' | '';
  timeout_s: number;
}
export interface MenuQuestion {
  type: 'menu';
  prompt: Prompt;
  options: Record<string, string>;
  timeout_s: number;
}
export interface RecordedQuestion {
  type: 'recorded';
  prompt: Prompt;
  max_seconds: number;
  transcribe: 'none' | 'standard' | 'human';
}
export type Question = SayQuestion | KeypadQuestion | MenuQuestion | RecordedQuestion;
export type QuestionType = Question['type'];

export interface Parameter {
  name: string;
  value: string;
}

export interface Webhook {
  action: 'next_action' | 'read_text';
  method: 'GET' | 'POST';
  url: string;
  parameters: Parameter[];
  include_sourcetrak: boolean;
  timeout_s: number;
  secret?: string;
  transcription_url?: string;
  on_failure?: { say: Prompt };
}

export interface Ivr {
  id?: number;
  name: string;
  opt_out_key?: string;
  questions: Question[];
  webhook?: Webhook;
}

export interface FindMe {
  id?: number;
  name: string;
  phone_list: string[];
  simultaneous: number;
  timeout_s: number;
  screen_method: number;
  whisper_phrase: string;
  whisper_audio?: string;
  record: number;
  auto_accept: number;
  nextaction: number;
  nextactionitem?: number;
  loop_count: number;
  randomize: boolean;
  holdmusic: string;
}

export interface Vr {
  id?: number;
  name: string;
  prompt: Prompt;
  options: Record<string, string>;
}

export interface Voicemail {
  id?: number;
  name: string;
  greeting: Prompt;
  max_seconds: number;
  notify_url?: string;
  notify_method: 'GET' | 'POST';
  notify_secret?: string;
}

export interface NumberRoute {
  number: string;
  to: string;
  label: string;
}

export interface PostCallAction {
  id?: number;
  url: string;
  method: 'GET' | 'POST';
  parameters: Parameter[];
  applies_to: string[];
  secret?: string;
}

export interface ListItem<T> {
  managed_by: 'file' | 'api';
  etag: string;
  value: T;
}

export interface Listing<T> {
  items: Array<ListItem<T>>;
}
