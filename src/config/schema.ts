/**
 * The shape of the flows file as written (snake_case keys, YAML types), with the spec's defaults.
 * This checks each value on its own; what needs the whole file (references, question numbers,
 * duplicate ids, name collisions) is checked in build.ts once the shape is known to be right.
 */
import { z } from 'zod';
import { unknownKeyMessage } from './issues.js';
import { isSelfPath } from '../lib/self-url.js';

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
/** A building block's id; the Administration API's POST may leave it out to take the next free one. */
const blockId = id.meta({ description: 'Unique among blocks of its kind; a POST through the Administration API may leave it out to take the next free one' });
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
/**
 * A path such as `/demo/hook?step=lookup` stands for hookline's own HTTP server (src/lib/self-url.ts says
 * why); it must stay on that server once joined to its origin.
 */
function isOwnServerPath(value: string): boolean {
  if (!isSelfPath(value)) return false;
  try {
    return new URL(value, 'http://own.invalid').host === 'own.invalid';
  } catch {
    return false;
  }
}
const httpUrl = z.string().refine((v) => isHttpUrl(v) || isOwnServerPath(v), {
  error: "expected an http:// or https:// URL, or a path on hookline's own HTTP server such as /demo/hook",
});

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

/** Describes a key for the OpenAPI document, the Administration API reference and the console's hints. */
function about<T extends z.ZodType>(schema: T, description: string): T {
  return schema.meta({ description });
}

const questionPrompt = about(prompt, 'What the caller hears: text read by text-to-speech (@name substituted), or a list of {text} / {audio: file.wav} parts');

const say = strict({ type: z.literal('say'), prompt: questionPrompt });
const keypad = strict({
  type: z.literal('keypad'),
  prompt: questionPrompt,
  min_digits: about(z.int().min(0).max(64).default(1), 'Fewer digits than this are asked again'),
  max_digits: about(z.int().min(1).max(64).default(20), 'Input ends at this many digits'),
  // "" is no terminator: input ends on max_digits or the timeout.
  terminator: about(z.enum(['#', '*', ''], { error: 'expected "#", "*" or "" (quote it: in YAML an unquoted # starts a comment)' }).default('#'), 'The key that ends input (not part of the answer); "" for none'),
  timeout_s: about(seconds(1, 60, 5), 'Seconds to wait for the first key and between keys'),
});
const menu = strict({
  type: z.literal('menu'),
  prompt: questionPrompt,
  options: about(keyedBy(DTMF_KEY, DTMF_MESSAGE, z.union([z.string(), z.number()], { error: 'expected a string' }), true), 'Key pressed -> the answer sent to the webhook'),
  timeout_s: about(seconds(1, 60, 5), 'Seconds to wait for a key'),
});
const recorded = strict({
  type: z.literal('recorded'),
  prompt: questionPrompt,
  max_seconds: about(seconds(1, 3600, 60), 'The longest recording; # ends it sooner'),
  transcribe: about(z.enum(['none', 'standard', 'human']).default('none'), 'Transcription of the recording, posted back to transcription_url'),
});
const question = z.discriminatedUnion('type', [say, keypad, menu, recorded]);

const webhook = strict({
  action: about(z.enum(['next_action', 'read_text']).default('next_action'), 'Advanced Webhook Actions: next_action = Retrieve next action (XML); read_text = Retrieve message and read to user'),
  method: about(z.enum(['GET', 'POST']).default('POST'), 'GET appends the parameters to the URL; POST sends them as a form body'),
  url: about(httpUrl, 'Target URL: http(s), or a path on hookline\'s own HTTP server'),
  parameters: about(
    z.array(strict({ name: about(z.string().min(1), 'The name your server receives'), value: about(z.string().min(1), 'question.N, user.NAME or call.FIELD') })).default([]),
    'Dynamic parameters, sent after the automatic ivr_* ones, in this order',
  ),
  include_sourcetrak: about(z.boolean().default(false), 'Include SourceTrak Information: the st_* parameters'),
  timeout_s: about(seconds(1, 30, 10), 'Seconds to wait for the response before the failure route'),
  secret: about(z.string().min(1).optional(), 'Signs every request (Hookline-Signature)'),
  transcription_url: about(httpUrl.optional(), 'Transcription Post Back URL'),
  on_failure: about(strict({ say: prompt }).optional(), 'What the caller hears when the webhook fails, before hanging up'),
});

const ivr = strict({
  id: blockId,
  name: about(z.string().default(''), 'For people: lists, the console, reports'),
  opt_out_key: about(dtmfKey.optional(), 'A key that leaves the IVR at any question; the webhook still gets the answers so far'),
  questions: about(z.array(question).min(1), 'Asked in order, numbered from 1'),
  webhook: about(webhook.optional(), 'The IVR Web Hook: where the answers go when the IVR ends'),
});

// Phone numbers may be written unquoted; build.ts reads them back from the source text.
const phone = z.union([z.string(), z.int().min(0)], { error: 'expected a phone number: digits with an optional leading +' });

/** A label for people (lists, the console, reports); calls never hear it. */
const label = about(z.string().max(200).default(''), 'For people: lists, the console, reports');

const findme = strict({
  id: blockId,
  name: label,
  // May be empty: the original's Administration API empties a Find Me (findme.empty) and refills it
  // number by number; until then a call goes straight to the end-of-list action (nextaction).
  phone_list: about(z.array(phone), 'Numbers tried in order; none: straight to the end-of-list action'),
  simultaneous: about(z.int().min(1).max(20).default(1), 'How many numbers ring at once'),
  timeout_s: about(seconds(5, 300, 20), 'Ring time of each attempt, in seconds'),
  screen_method: about(z.int().min(0).max(3).default(3), '0 record the caller\'s name, 1 whisper text, 2 whisper audio, 3 no screening'),
  whisper_phrase: about(z.string().default(''), 'Read to the person answering (screen_method 1)'),
  whisper_audio: about(audioFile.optional(), 'Played to the person answering (screen_method 2)'),
  record: about(z.int().min(0).max(1).default(0), '1: record the connected call'),
  auto_accept: about(z.int().min(0).max(3).default(0), '0 off, 1 first answered leg, 2 last number screened, 3 last number without screening'),
  nextaction: about(z.int().min(1).max(7).default(1), 'What happens when nobody accepts (1-7)'),
  nextactionitem: about(id.optional(), 'The building block id nextaction 2, 4, 5 or 6 routes to'),
  loop_count: about(z.int().min(1).max(10).default(1), 'Times through the list'),
  randomize: about(z.boolean().default(false), 'Shuffle the list for each call'),
  holdmusic: z
    .string()
    .refine((v) => v === 'ringback' || AUDIO_FILE.test(v), { error: 'expected ringback or a .wav file name from the audio library' })
    .default('ringback'),
});

const vr = strict({ id: blockId, name: label, prompt, options: about(keyedBy(DTMF_KEY, DTMF_MESSAGE, blockRef, true), 'Key pressed -> the building block that runs next') });

const voicemail = strict({
  id: blockId,
  name: label,
  greeting: about(prompt, 'Played before the beep'),
  max_seconds: about(seconds(1, 3600, 120), 'The longest message'),
  // Voicemail notification: one request per message left (durable, like post-call actions).
  notify_url: about(httpUrl.optional(), 'A request for every message left'),
  notify_method: z.enum(['GET', 'POST']).default('POST'),
  notify_secret: about(z.string().min(1).optional(), 'Signs the notification'),
});

/**
 * Post Call Action (reference §6). `applies_to` entries are dialed numbers or block references; which
 * is which, and whether they exist, is decided in build.ts, where the source text and the ids are known.
 */
const postCallAction = strict({
  // Optional in the file (default: the position, from 1) so existing files keep working; the API and
  // `hookline export` always write it, since an API resource needs a name that survives reordering.
  id: about(id.optional(), 'Default: the position in the list, from 1'),
  url: httpUrl,
  method: z.enum(['GET', 'POST']).default('GET'),
  parameters: about(
    z.array(strict({ name: z.string().min(1), value: about(z.string().min(1), 'call.FIELD or ivr.ID.question.N') })).default([]),
    'Sent in this order',
  ),
  applies_to: about(
    z.array(z.union([z.string().min(1), z.int().min(0)], { error: 'expected a dialed number or a reference like ivr/10' })).default([]),
    'Dialed numbers and building blocks (ivr/10); empty: every call',
  ),
  secret: about(z.string().min(1).optional(), 'Signs every request'),
});

/** A site's host name (`example.com`, which covers `www.example.com`), or an IP address for a test site. */
const HOST_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * A SourceTrak pool (docs/sourcetrak.md): tracking numbers that the website tag (`/st.js`) shows to
 * visitors, one per visitor session, so that a call to one can be matched to the visit. Which numbers
 * are routed, and that no number is in two pools, is checked in build.ts where the whole file is known.
 */
const sourcetrakPool = strict({
  name: about(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a name of letters, digits, - and _ (at most 64)' }), 'Names the pool in the tag (data-pool) and in st_pool_name'),
  numbers: about(z.array(phone), 'Tracking numbers shown to visitors, one per visitor session; each must also be routed under numbers'),
  default_number: about(phone.optional(), 'Shown to visitors who ask not to be tracked (Do Not Track, Global Privacy Control); never handed to a tracked visitor. Default: the first of numbers'),
  sourceguard_numbers: about(z.array(phone).default([]), 'SourceGuard numbers: shown to search-engine crawlers instead of a tracking number; a call to one carries st_sourceguard=1'),
  activity_keyword: about(z.string().max(100).default(''), 'st_activity_keyword: the activity that shows this pool, such as seo or ppc'),
  domains: about(
    z.array(z.string().regex(HOST_NAME, { error: 'expected a host name such as example.com (no scheme, port or path)' })).min(1),
    'Sites whose pages may use the pool (CORS): a host name covers its subdomains',
  ),
  domain_set_id: about(z.int().min(0).optional(), 'st_domain_set_id'),
  campaign: about(z.string().max(200).default(''), 'st_campaign when the visit\'s URL has no utm_campaign'),
  platform: about(z.string().max(200).default(''), 'st_platform when the visit\'s URL has no utm_source'),
  locations: about(
    z.array(z.string().regex(/^[^\s].{0,99}$/, { error: 'expected a name of 1-100 characters' })).default([]),
    'Location names for pages that show several numbers (data-location on each element); each location of a visit gets its own number, and a call says which in st_location_name',
  ),
  replace_numbers: about(z.array(phone).default([]), 'Numbers your pages show in their text: the tag replaces each, in whatever format it is written, with the visitor\'s tracking number'),
  hold_minutes: about(z.int().min(1).max(1440).default(30), 'A visitor session stays live this long after its last page view; only then may its number go to another visitor'),
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
  sourcetrak_pools: about(z.array(sourcetrakPool).default([]), 'SourceTrak pools: numbers the website tag shows to visitors (docs/sourcetrak.md)'),
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
export type RawSourcetrakPool = RawFlows['sourcetrak_pools'][number];

/** Each list entry's schema, for the Administration API, which takes one entry at a time. */
export const entrySchemas = { ivr, findme, vr, voicemail, postCallAction, sourcetrakPool } as const;
