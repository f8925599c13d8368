/**
 * The shape of the flows file as written (snake_case keys, YAML types), with the spec's defaults.
 * This checks each value on its own; what needs the whole file (references, question numbers,
 * duplicate ids, name collisions) is checked in build.ts once the shape is known to be right.
 */
import { z } from 'zod';
import { unknownKeyMessage } from './issues.js';

type Shape = Record<string, z.ZodType>;

/**
 * An object that refuses unknown keys, one issue per key at the key itself, with a suggestion.
 * zod's strictObject reports them all at the object and cannot say what was meant; the check runs
 * even when other keys are wrong (`when`), so a typo and the "required" it causes show up together.
 */
export function strict<T extends Shape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.looseObject(shape).superRefine(
    (value, ctx) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      for (const key of Object.keys(value)) {
        if (!allowed.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: unknownKeyMessage(key, allowed), input: value });
      }
    },
    { when: () => true },
  );
}

/** A map whose keys must match a pattern (DTMF keys, dialed numbers); `nonEmpty` for menus. */
function keyedBy<V extends z.ZodType>(pattern: RegExp, keyMessage: string, value: V, nonEmpty = false) {
  return z.record(z.string(), value).superRefine(
    (map, ctx) => {
      if (map === null || typeof map !== 'object' || Array.isArray(map)) return;
      const keys = Object.keys(map);
      if (nonEmpty && keys.length === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty', input: map });
      for (const key of keys) if (!pattern.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: keyMessage, input: key });
    },
    { when: () => true },
  );
}

const id = z.int().min(1);
const seconds = (min: number, max: number, dflt: number) => z.int().min(min).max(max).default(dflt);

export const DTMF_KEY = /^[0-9*#]$/;
const DTMF_MESSAGE = 'expected one DTMF key: 0-9, * or #';
// A value (unlike a key) written as a bare # silently becomes a comment, leaving null: say why.
const DTMF_VALUE_MESSAGE = `${DTMF_MESSAGE} (quote it: in YAML an unquoted # starts a comment)`;
const dtmfKey = z.string({ error: DTMF_VALUE_MESSAGE }).regex(DTMF_KEY, { error: DTMF_VALUE_MESSAGE });

/** Digits with an optional leading +, as the Request-URI user part carries it. */
export const PHONE_NUMBER = /^\+?[0-9]{1,20}$/;

/** `ivr/10`, `vr/3`, `findme/4`, `voicemail/7`. */
export const BLOCK_REF = /^(ivr|vr|findme|voicemail)\/([1-9][0-9]*)$/;
const blockRef = z.string().regex(BLOCK_REF, { error: 'expected a reference like ivr/10, vr/3, findme/4 or voicemail/7' });

/** A number's route: the block reference alone, or with a label for people (`{ to: ivr/10, label: Main line }`). */
export const numberRoute = z.union([blockRef, strict({ to: blockRef, label: z.string().max(200).default('') })], {
  error: 'expected a reference like ivr/10, or { to: ivr/10, label: ... }',
});

/** A file of the audio library: a bare name (no folders, so it cannot leave the library) ending in .wav. */
export const AUDIO_FILE = /^(?!\.)[^/\\]+\.wav$/i;
const audioFile = z.string().regex(AUDIO_FILE, { error: 'expected a .wav file name from the audio library (no folders)' });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
const httpUrl = z.string().refine(isHttpUrl, { error: 'expected an http:// or https:// URL' });

const promptPart = strict({ text: z.string().min(1).optional(), audio: audioFile.optional() }).superRefine((part, ctx) => {
  // With an unknown key (`txt:`) its own message says enough.
  if (Object.keys(part).some((k) => k !== 'text' && k !== 'audio')) return;
  if ((part.text === undefined) === (part.audio === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'expected exactly one of text or audio', input: part });
  }
});

/** Text, or a list of `{text: ...}` / `{audio: file.wav}` parts. */
export const prompt = z.union([z.string().min(1), z.array(promptPart).min(1)], {
  error: 'expected text or a list of parts, each {text: ...} or {audio: file.wav}',
});

const say = strict({ type: z.literal('say'), prompt });
const keypad = strict({
  type: z.literal('keypad'),
  prompt,
  min_digits: z.int().min(0).max(64).default(1),
  max_digits: z.int().min(1).max(64).default(20),
  // "" is no terminator: input ends on max_digits or the timeout.
  terminator: z.enum(['#', '*', ''], { error: 'expected "#", "*" or "" (quote it: in YAML an unquoted # starts a comment)' }).default('#'),
  timeout_s: seconds(1, 60, 5),
});
const menu = strict({
  type: z.literal('menu'),
  prompt,
  options: keyedBy(DTMF_KEY, DTMF_MESSAGE, z.union([z.string(), z.number()], { error: 'expected a string' }), true),
  timeout_s: seconds(1, 60, 5),
});
const recorded = strict({
  type: z.literal('recorded'),
  prompt,
  max_seconds: seconds(1, 3600, 60),
  transcribe: z.enum(['none', 'standard', 'human']).default('none'),
});
const question = z.discriminatedUnion('type', [say, keypad, menu, recorded]);

const webhook = strict({
  action: z.enum(['next_action', 'read_text']).default('next_action'),
  method: z.enum(['GET', 'POST']).default('POST'),
  url: httpUrl,
  parameters: z.array(strict({ name: z.string().min(1), value: z.string().min(1) })).default([]),
  include_sourcetrak: z.boolean().default(false),
  timeout_s: seconds(1, 30, 10),
  secret: z.string().min(1).optional(),
  transcription_url: httpUrl.optional(),
  on_failure: strict({ say: prompt }).optional(),
});

const ivr = strict({
  id,
  name: z.string().default(''),
  opt_out_key: dtmfKey.optional(),
  questions: z.array(question).min(1),
  webhook: webhook.optional(),
});

// Phone numbers may be written unquoted; build.ts reads them back from the source text.
const phone = z.union([z.string(), z.int().min(0)], { error: 'expected a phone number: digits with an optional leading +' });

/** A label for people (lists, the console, reports); calls never hear it. */
const label = z.string().max(200).default('');

const findme = strict({
  id,
  name: label,
  // May be empty: the original's Administration API empties a Find Me (findme.empty) and refills it
  // number by number; until then a call goes straight to the end-of-list action (nextaction).
  phone_list: z.array(phone),
  simultaneous: z.int().min(1).max(20).default(1),
  timeout_s: seconds(5, 300, 20),
  screen_method: z.int().min(0).max(3).default(3),
  whisper_phrase: z.string().default(''),
  whisper_audio: audioFile.optional(),
  record: z.int().min(0).max(1).default(0),
  auto_accept: z.int().min(0).max(3).default(0),
  nextaction: z.int().min(1).max(7).default(1),
  nextactionitem: id.optional(),
  loop_count: z.int().min(1).max(10).default(1),
  randomize: z.boolean().default(false),
  holdmusic: z
    .string()
    .refine((v) => v === 'ringback' || AUDIO_FILE.test(v), { error: 'expected ringback or a .wav file name from the audio library' })
    .default('ringback'),
});

const vr = strict({ id, name: label, prompt, options: keyedBy(DTMF_KEY, DTMF_MESSAGE, blockRef, true) });

const voicemail = strict({
  id,
  name: label,
  greeting: prompt,
  max_seconds: seconds(1, 3600, 120),
  // Voicemail notification: one request per message left (durable, like post-call actions).
  notify_url: httpUrl.optional(),
  notify_method: z.enum(['GET', 'POST']).default('POST'),
  notify_secret: z.string().min(1).optional(),
});

/**
 * Post Call Action (reference §6). `applies_to` entries are dialed numbers or block references; which
 * is which, and whether they exist, is decided in build.ts, where the source text and the ids are known.
 */
const postCallAction = strict({
  // Optional in the file (default: the position, from 1) so existing files keep working; the API and
  // `hookline export` always write it, since an API resource needs a name that survives reordering.
  id: id.optional(),
  url: httpUrl,
  method: z.enum(['GET', 'POST']).default('GET'),
  parameters: z.array(strict({ name: z.string().min(1), value: z.string().min(1) })).default([]),
  applies_to: z
    .array(z.union([z.string().min(1), z.int().min(0)], { error: 'expected a dialed number or a reference like ivr/10' }))
    .default([]),
  secret: z.string().min(1).optional(),
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const flowsSchema = strict({
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone such as UTC or America/New_York' })
    .default('UTC'),
  numbers: keyedBy(PHONE_NUMBER, 'expected a dialed number: digits with an optional leading + (quote it)', numberRoute).default({}),
  ivrs: z.array(ivr).default([]),
  findmes: z.array(findme).default([]),
  vrs: z.array(vr).default([]),
  voicemails: z.array(voicemail).default([]),
  post_call_actions: z.array(postCallAction).default([]),
});

export type RawFlows = z.output<typeof flowsSchema>;
export type RawIvr = RawFlows['ivrs'][number];
export type RawQuestion = RawIvr['questions'][number];
export type RawWebhook = NonNullable<RawIvr['webhook']>;
export type RawFindMe = RawFlows['findmes'][number];
export type RawPrompt = z.output<typeof prompt>;
export type RawPostCallAction = RawFlows['post_call_actions'][number];
export type RawVr = RawFlows['vrs'][number];
export type RawVoicemail = RawFlows['voicemails'][number];
export type RawNumberRoute = z.output<typeof numberRoute>;

/** Each list entry's schema, for the Administration API, which takes one entry at a time. */
export const entrySchemas = { ivr, findme, vr, voicemail, postCallAction } as const;
