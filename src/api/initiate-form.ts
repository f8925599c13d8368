/**
 * Form fields (legacy `click_to_xyz.php` and `ibp_api.php?action=clickto.*`, which share their
 * parameter names) to one InitiateRequest. Section numbers are of
 * docs/call-initiation.md, whose "Sources" appendix lists the original's pages by §.
 */
import { normaliseDialNumber } from '../config/dial-policy.js';
import { parsePassThrough } from '../webhook/passthrough.js';
import { InitiateError, invalidParameter, missingParameter } from './initiate-errors.js';
import type { FindMeListSettings, InitiateKind, InitiateRequest, InitiateSource, NoAnswerTargets } from './initiate-types.js';

/** Last value wins per name, as PHP gives it to a script. */
export type Fields = ReadonlyMap<string, string>;

/**
 * Legacy `app` values (§0, §1; matched without regard to case: §5.0 writes "CTF", the ExtractValue
 * wiki "CTC"). `cst` is what the Python client sends for Click-to-SurVo (§1.6); accepted so that
 * integrations built on it keep working.
 */
export const LEGACY_APPS: ReadonlyMap<string, InitiateKind> = new Map<string, InitiateKind>([
  ['ctc', 'call'],
  ['ctf', 'findme'],
  ['ctfl', 'findme_list'],
  ['ctvr', 'vr'],
  ['ctvm', 'voicemail'],
  ['cts', 'ivr'],
  ['cst', 'ivr'],
]);

/** A value, or undefined when absent or empty (an empty form field means "not given"). */
function text(f: Fields, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = f.get(n);
    if (v !== undefined && v.trim() !== '') return v;
  }
  return undefined;
}

function required(f: Fields, ...names: [string, ...string[]]): string {
  const v = text(f, ...names);
  if (v === undefined) throw missingParameter(names[0]);
  return v;
}

/** E.164; the original took "unformatted" numbers and its PHP client stripped non-digits (§1.1, §5.1). */
function phoneValue(name: string, raw: string): string {
  const n = normaliseDialNumber(raw.trim());
  if (n === undefined || n.replace('+', '').length < 3) throw invalidParameter(name, 'not a phone number');
  return n;
}

function phone(f: Fields, name: string): string | undefined {
  const v = text(f, name);
  return v === undefined ? undefined : phoneValue(name, v);
}

function requiredPhone(f: Fields, name: string): string {
  return phoneValue(name, required(f, name));
}

/** Building Block IDs are positive integers (flows.md `ivr/10`). */
function blockId(f: Fields, ...names: [string, ...string[]]): number {
  const v = required(f, ...names).trim();
  if (!/^[1-9][0-9]{0,9}$/.test(v)) throw invalidParameter(names[0], 'not a building block id');
  return Number(v);
}

function intIn(f: Fields, name: string, min: number, max: number): number | undefined {
  const v = text(f, name)?.trim();
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw invalidParameter(name, `expected ${min}-${max}`);
  return Number(v);
}

function flag(f: Fields, name: string): boolean | undefined {
  const v = text(f, name)?.trim().toLowerCase();
  if (v === undefined) return undefined;
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw invalidParameter(name, 'expected 1 or 0');
}

/** `type`: 1 regular, 2 reverse Find Me (§1.2, §1.3, §5.3); default regular. */
function reverseFindMe(f: Fields): boolean {
  return intIn(f, 'type', 1, 2) === 2;
}

/**
 * `user_parameters`: a "pipe-delimited list of parameters" (§5.7). The page that gave its exact
 * syntax ("SurVo User Parameter Substitution", §5.6) did not survive (§9), so this takes the one
 * pipe-delimited name/value syntax the original documents, the seed's `name|value||name|value`
 * (the pass-through codec of src/webhook/passthrough.ts). A later duplicate name wins.
 * Object.fromEntries defines own properties, so a name like `__proto__` stays a plain key.
 */
export function parseUserParameters(s: string | undefined): Record<string, string> {
  return Object.fromEntries(s === undefined ? [] : parsePassThrough(s));
}

/** `no_answer_*` (§1.2, §5.2). */
function noAnswer(f: Fields): NoAnswerTargets {
  const out: NoAnswerTargets = {};
  const email = text(f, 'no_answer_email')?.trim();
  if (email !== undefined) {
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidParameter('no_answer_email', 'not an email address');
    out.email = email;
  }
  const url = text(f, 'no_answer_url')?.trim();
  if (url !== undefined) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw invalidParameter('no_answer_url', 'not an http(s) URL');
    out.url = url;
  }
  const sms = phone(f, 'no_answer_sms');
  if (sms !== undefined) out.sms = sms;
  const ph = phone(f, 'no_answer_phone');
  if (ph !== undefined) out.phone = ph;
  return out;
}

/** The per-call list settings of Click-to-Find Me List (§1.3, §5.3, §5.3b). */
function findMeList(f: Fields): FindMeListSettings {
  // "pipe-delimited, e.g. 1112223333|4445556666" (§1.3, §5.3b).
  const list = required(f, 'list')
    .split('|')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => phoneValue('list', s));
  if (list.length === 0) throw missingParameter('list');
  const s: FindMeListSettings = { list };
  const set = <K extends keyof FindMeListSettings>(k: K, v: FindMeListSettings[K] | undefined): void => {
    if (v !== undefined) s[k] = v;
  };
  set('screenPrompt', text(f, 'screen_prompt'));
  // The PHP client sends `usr_param_type` for `usr_findme_type` (§1.3), accepted as the same thing.
  set('findmeType', (intIn(f, 'usr_findme_type', 1, 2) ?? intIn(f, 'usr_param_type', 1, 2)) as 1 | 2 | undefined);
  set('loopCount', intIn(f, 'loop_count', 1, 5)); // PHP validates 1-5 (§1.3)
  const randomize = intIn(f, 'randomize', 0, 2); // PHP validates 1 or 2 (§1.3); only 1 is clearly "yes"
  set('randomize', randomize === undefined ? undefined : randomize === 1);
  set('record', flag(f, 'record'));
  set('useScreen', flag(f, 'use_screen'));
  set('dtmfOnly', flag(f, 'dtmf_only'));
  set('holdMusic', text(f, 'holdmusic'));
  set('holdRepeat', intIn(f, 'holdrepeat', 0, 2) as 0 | 1 | 2 | undefined);
  set('timeoutS', intIn(f, 'timeout', 10, 60)); // "10-60, default 30" (§1.3)
  set('whisperPhrase', text(f, 'whisper_phrase'));
  set('nextAction', intIn(f, 'nextaction', 1, 7)); // the seed's Dynamic Find Me table: 1-7
  const item = text(f, 'nextactionitem');
  if (item !== undefined) set('nextActionItem', blockId(f, 'nextactionitem'));
  return s;
}

/**
 * Parses the fields of one product into the typed request; throws InitiateError naming the first
 * missing or malformed parameter. Unknown fields are ignored, as the original's forms carried extras
 * (`acct`, `pwd` in the ExtractValue wiki, §5 end).
 */
export function parseFormRequest(kind: InitiateKind, f: Fields, source: InitiateSource): InitiateRequest {
  const common = {
    source,
    firstCallerId: phone(f, 'first_callerid'),
    secondCallerId: phone(f, 'second_callerid'),
    // `usr_parameters` is the Python docstring's spelling (§1.6).
    userParameters: parseUserParameters(text(f, 'user_parameters', 'usr_parameters')),
    passThrough: text(f, 'p_t'),
    // Stored lengths per §5.1: page max 255, ref max 32; longer values are cut, not refused.
    page: text(f, 'page')?.slice(0, 255),
    ref: text(f, 'ref')?.slice(0, 32),
  };
  switch (kind) {
    case 'ivr': {
      // `scheduleonly` "may consist of a name without any value. No call placed" (§5.6); the Python
      // client spells it `schedule_only` (§1.6). Placing a call instead would be wrong, so refuse.
      if (f.has('scheduleonly') || f.has('schedule_only')) {
        throw new InitiateError('not_supported', 'Voice Broadcast Scheduling', 'scheduleonly');
      }
      const survoId = blockId(f, 'survo_id'); // required (§5.6, §5.7)
      // `phone_to_call` is optional only because of scheduleonly (§5.7); without it there is no call.
      return { ...common, kind, blockId: survoId, firstNumber: requiredPhone(f, 'phone_to_call') };
    }
    case 'call': {
      // `type` required, 1 = call phone_to_call first, 2 = call id first (§1.1, §5.1).
      const type = intIn(f, 'type', 1, 2);
      if (type === undefined) throw missingParameter('type');
      const toCall = requiredPhone(f, 'phone_to_call');
      const id = requiredPhone(f, 'id');
      return type === 1
        ? { ...common, kind, firstNumber: toCall, secondNumber: id }
        : { ...common, kind, firstNumber: id, secondNumber: toCall };
    }
    case 'findme':
      return {
        ...common,
        kind,
        blockId: blockId(f, 'findme_id'), // §1.2, §5.2
        firstNumber: requiredPhone(f, 'phone_to_call'),
        reverse: reverseFindMe(f),
        noAnswer: noAnswer(f),
      };
    case 'findme_list':
      return {
        ...common,
        kind,
        findMe: findMeList(f),
        firstNumber: requiredPhone(f, 'phone_to_call'), // "(required)" (§5.3)
        reverse: reverseFindMe(f),
        noAnswer: noAnswer(f),
      };
    case 'vr':
      // `menu_id`; the Python docstring misspells it `manu_id` (§1.4).
      return { ...common, kind, blockId: blockId(f, 'menu_id', 'manu_id'), firstNumber: requiredPhone(f, 'phone_to_call') };
    case 'voicemail':
      return { ...common, kind, blockId: blockId(f, 'vmail_box_id'), firstNumber: requiredPhone(f, 'phone_to_call') }; // §1.5
  }
}
