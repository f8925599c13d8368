import type { Action, ActionCommon, DynamicFindMe } from './action.js';
import { WebhookError } from './errors.js';
import { parseXml, type XmlElement } from './xml.js';

export interface ParsedAction {
  action: Action;
  /** Things ignored on the way (unknown elements, duplicates...), for the webhook log. */
  warnings: string[];
}

/** `<app>` value (trimmed, lower-cased) -> the Action's app. `ivr` is the spec's alias of `SurVo`. */
const APPS = {
  survo: 'survo',
  ivr: 'survo',
  findme: 'findme',
  vr: 'vr',
  voicemail: 'voicemail',
  hangup: 'hangup',
  transfer: 'transfer',
} as const;
type AppKey = keyof typeof APPS;

/** Parameters each app reads; anything else under `<parameters>` is reported as ignored. */
const KNOWN: Record<Action['app'], ReadonlySet<string>> = {
  survo: new Set(['id']),
  findme: new Set([
    'id',
    'phone_list',
    'simultaneous',
    'nextaction',
    'nextactionitem',
    'record',
    'screen_method',
    'whisper_phrase',
    'whisper_audio',
    'auto_accept',
  ]),
  vr: new Set(['id']),
  voicemail: new Set(['id']),
  hangup: new Set(),
  transfer: new Set(['destination']),
};
const COMMON = new Set(['p_t', 'user_parameters']);

/** nextaction values whose fallback needs a building-block id in nextactionitem (seed's table). */
const NEEDS_ITEM = new Set([2, 4, 5, 6]);

/** Separators people write in phone numbers; they are dropped, anything else must be a digit. */
const PHONE_SEPARATORS = /[\s\-.()]/g;
const PHONE = /^\+?\d{2,20}$/;

/**
 * Element names of the format are matched without regard to case (`<ID>`, `<Parameters>`), since the
 * value of `<app>` is and customers' servers were written against a lenient original. The names of
 * user parameters keep their case: they are `@name` references.
 */
const norm = (name: string): string => name.toLowerCase();

class Reader {
  readonly warnings: string[] = [];

  /** First child of each name (normalised); later duplicates are reported and ignored. */
  index(parent: XmlElement, where: string): Map<string, XmlElement> {
    const m = new Map<string, XmlElement>();
    for (const c of parent.children) {
      const n = norm(c.name);
      if (m.has(n)) this.warnings.push(`duplicate <${c.name}> in <${where}> ignored; the first one is used`);
      else m.set(n, c);
    }
    if (parent.text.trim() !== '') this.warnings.push(`text directly inside <${where}> ignored`);
    return m;
  }

  /** The element's text, trimmed; undefined when absent or empty (treated alike: an empty tag sets nothing). */
  text(el: XmlElement | undefined): string | undefined {
    if (!el) return undefined;
    if (el.children.length > 0) this.warnings.push(`elements inside <${el.name}> ignored; only its text is used`);
    const t = el.text.trim();
    return t === '' ? undefined : t;
  }
}

function missing(app: string, name: string): WebhookError {
  return new WebhookError('missing_param', `app "${app}" requires <${name}>`);
}

function parseId(app: string, name: string, raw: string): number {
  // Digits only: "+5", "5.0", "1e3" and "0x10" are all mistakes worth reporting, not guessing at.
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new WebhookError('bad_param', `<${name}> of app "${app}" must be a positive integer, got "${raw}"`);
  }
  return n;
}

function requiredId(r: Reader, p: Map<string, XmlElement>, app: string, name = 'id'): number {
  const raw = r.text(p.get(name));
  if (raw === undefined) throw missing(app, name);
  return parseId(app, name, raw);
}

function intInRange(r: Reader, p: Map<string, XmlElement>, name: string, min: number, max: number, dflt: number): number {
  const raw = r.text(p.get(name));
  if (raw === undefined) return dflt;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new WebhookError('bad_param', `<${name}> must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function phoneNumber(name: string, raw: string): string {
  const n = raw.replace(PHONE_SEPARATORS, '');
  if (!PHONE.test(n)) throw new WebhookError('bad_param', `<${name}> has an invalid phone number "${raw}"`);
  return n;
}

function dynamicFindMe(r: Reader, p: Map<string, XmlElement>, phoneListRaw: string): DynamicFindMe {
  const phoneList = phoneListRaw
    .split('|')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => phoneNumber('phone_list', s));
  if (phoneList.length === 0) throw new WebhookError('bad_param', '<phone_list> has no phone numbers');

  let simultaneous = intInRange(r, p, 'simultaneous', 1, Number.MAX_SAFE_INTEGER, 1);
  if (simultaneous > phoneList.length) {
    // Harmless excess: there are only so many numbers to ring at once.
    r.warnings.push(`<simultaneous> ${simultaneous} exceeds the ${phoneList.length} number(s) in <phone_list>`);
    simultaneous = phoneList.length;
  }
  const nextaction = intInRange(r, p, 'nextaction', 1, 7, 1) as DynamicFindMe['nextaction'];
  const itemRaw = r.text(p.get('nextactionitem'));
  let nextactionitem: number | undefined;
  if (NEEDS_ITEM.has(nextaction)) {
    if (itemRaw === undefined) {
      throw new WebhookError('missing_param', `<nextaction> ${nextaction} requires <nextactionitem>`);
    }
    nextactionitem = parseId('findme', 'nextactionitem', itemRaw);
  } else if (itemRaw !== undefined) {
    r.warnings.push(`<nextactionitem> ignored: <nextaction> ${nextaction} takes none`);
  }
  const screenMethod = intInRange(r, p, 'screen_method', 0, 3, 3) as DynamicFindMe['screenMethod'];
  const whisperAudio = r.text(p.get('whisper_audio'));
  // The file is looked up in the audio library by name; a path must not reach outside it.
  if (whisperAudio !== undefined && /[/\\]|^\.\.?$/.test(whisperAudio)) {
    throw new WebhookError('bad_param', `<whisper_audio> must be a file name, got "${whisperAudio}"`);
  }
  if (screenMethod === 2 && whisperAudio === undefined) {
    r.warnings.push('<screen_method> 2 (whisper audio) without <whisper_audio>: nothing will be played');
  }
  const dyn: DynamicFindMe = {
    phoneList,
    simultaneous,
    nextaction,
    record: intInRange(r, p, 'record', 0, 1, 0) as DynamicFindMe['record'],
    screenMethod,
    whisperPhrase: r.text(p.get('whisper_phrase')) ?? '',
    autoAccept: intInRange(r, p, 'auto_accept', 0, 3, 0) as DynamicFindMe['autoAccept'],
  };
  if (nextactionitem !== undefined) dyn.nextactionitem = nextactionitem;
  if (whisperAudio !== undefined) dyn.whisperAudio = whisperAudio;
  return dyn;
}

function userParameters(r: Reader, el: XmlElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!el) return out;
  if (el.text.trim() !== '') r.warnings.push('text directly inside <user_parameters> ignored');
  for (const c of el.children) {
    // A plain object keyed by customer-chosen names: `__proto__` would reach the prototype.
    if (c.name === '__proto__') {
      r.warnings.push('user parameter <__proto__> ignored');
      continue;
    }
    if (c.children.length > 0) r.warnings.push(`elements inside user parameter <${c.name}> ignored`);
    out[c.name] = c.text.trim(); // a later value of the same name wins, as for the call's parameters
  }
  return out;
}

function common(r: Reader, p: Map<string, XmlElement>): ActionCommon {
  const c: ActionCommon = { userParameters: userParameters(r, p.get('user_parameters')) };
  const pt = p.get('p_t');
  // Verbatim, not trimmed: the customer gets back exactly what they sent. Present but empty clears it.
  if (pt) {
    if (pt.children.length > 0) r.warnings.push('elements inside <p_t> ignored; only its text is used');
    c.passThrough = pt.text;
  }
  return c;
}

/**
 * Turns a "Retrieve next action" response body into a typed Action. Throws WebhookError for anything
 * that must send the call to the failure route; returns warnings for what was merely ignored.
 */
export function parseNextAction(body: string): ParsedAction {
  const root = parseXml(body);
  if (norm(root.name) !== 'action') {
    throw new WebhookError('wrong_root', `root element is <${root.name}>, expected <action>`);
  }
  const r = new Reader();
  const top = r.index(root, 'action');
  for (const [n, el] of top) {
    if (n !== 'app' && n !== 'parameters') r.warnings.push(`unknown element <${el.name}> in <action> ignored`);
  }
  const appRaw = r.text(top.get('app'));
  if (appRaw === undefined) throw new WebhookError('no_action', '<action> has no <app>');
  const key = appRaw.toLowerCase();
  if (!Object.hasOwn(APPS, key)) throw new WebhookError('unknown_app', `unknown app "${appRaw}"`);
  const app = APPS[key as AppKey];

  const paramsEl = top.get('parameters');
  const p = paramsEl ? r.index(paramsEl, 'parameters') : new Map<string, XmlElement>();
  for (const [n, el] of p) {
    if (!KNOWN[app].has(n) && !COMMON.has(n)) {
      r.warnings.push(`unknown element <${el.name}> in <parameters> ignored for app "${app}"`);
    }
  }

  const c = common(r, p);
  let action: Action;
  switch (app) {
    case 'survo':
      action = { ...c, app, id: requiredId(r, p, appRaw) };
      break;
    case 'vr':
    case 'voicemail':
      action = { ...c, app, id: requiredId(r, p, app) };
      break;
    case 'hangup':
      action = { ...c, app };
      break;
    case 'transfer': {
      const dest = r.text(p.get('destination'));
      if (dest === undefined) throw missing(app, 'destination');
      action = { ...c, app, destination: phoneNumber('destination', dest) };
      break;
    }
    case 'findme': {
      const idRaw = r.text(p.get('id'));
      const list = r.text(p.get('phone_list'));
      if (idRaw !== undefined) {
        // The seed describes both without saying which wins; the named Find Me is the explicit choice.
        if (list !== undefined) r.warnings.push('<phone_list> ignored: <id> names a configured Find Me');
        action = { ...c, app, id: parseId(app, 'id', idRaw) };
      } else if (list !== undefined) {
        action = { ...c, app, dynamic: dynamicFindMe(r, p, list) };
      } else {
        throw new WebhookError('missing_param', 'app "findme" requires <id> or <phone_list>');
      }
      break;
    }
  }
  return { action, warnings: r.warnings };
}
