/**
 * The way back from the typed model to the flows file's shape (snake_case keys, references as
 * `ivr/10`), with every default written out. It is the one representation of a building block
 * outside the server: the Administration API answers with it, the store keeps API-made blocks in it,
 * and `hookline export` writes it as YAML. Loading it gives back the same model (canonical.test.ts
 * checks the round trip), so nothing is lost on the way through the API or an export.
 */
import {
  DEFAULT_FAILURE_TEXT,
  type BlockRef,
  type FindMeConfig,
  type Flows,
  type IvrConfig,
  type ParamSource,
  type PostCallAction,
  type PostCallScope,
  type PostCallSource,
  type Prompt,
  type Question,
  type SourcetrakPool,
  type VoicemailConfig,
  type VrConfig,
  type WebhookConfig,
} from './types.js';

export type RawPromptOut = string | Array<{ text: string } | { audio: string }>;
type Json = Record<string, unknown>;

export const refText = (r: BlockRef): string => `${r.kind}/${r.id}`;

/** One text part is written as plain text, as people write it. */
export function promptToRaw(p: Prompt): RawPromptOut {
  const [first] = p;
  if (p.length === 1 && first && 'text' in first) return first.text;
  return p.map((part) => ('text' in part ? { text: part.text } : { audio: part.audio }));
}

function paramSourceText(s: ParamSource): string {
  switch (s.kind) {
    case 'question':
      return `question.${s.n}`;
    case 'user':
      return `user.${s.name}`;
    case 'call':
      return `call.${s.field}`;
  }
}

function questionToRaw(q: Question): Json {
  const prompt = promptToRaw(q.prompt);
  switch (q.type) {
    case 'say':
      return { type: 'say', prompt };
    case 'keypad':
      return { type: 'keypad', prompt, min_digits: q.minDigits, max_digits: q.maxDigits, terminator: q.terminator, timeout_s: q.timeoutS };
    case 'menu':
      return { type: 'menu', prompt, options: { ...q.options }, timeout_s: q.timeoutS };
    case 'recorded':
      return { type: 'recorded', prompt, max_seconds: q.maxSeconds, transcribe: q.transcribe };
  }
}

function webhookToRaw(w: WebhookConfig): Json {
  const onFailureDefault = w.onFailure.length === 1 && 'text' in w.onFailure[0]! && w.onFailure[0].text === DEFAULT_FAILURE_TEXT;
  return {
    action: w.action,
    method: w.method,
    url: w.url,
    parameters: w.parameters.map((p) => ({ name: p.name, value: paramSourceText(p.source) })),
    include_sourcetrak: w.includeSourcetrak,
    timeout_s: w.timeoutS,
    ...(w.secret !== undefined ? { secret: w.secret } : {}),
    ...(w.transcriptionUrl !== undefined ? { transcription_url: w.transcriptionUrl } : {}),
    ...(onFailureDefault ? {} : { on_failure: { say: promptToRaw(w.onFailure) } }),
  };
}

export function ivrToRaw(ivr: IvrConfig): Json {
  return {
    id: ivr.id,
    name: ivr.name,
    ...(ivr.optOutKey !== undefined ? { opt_out_key: ivr.optOutKey } : {}),
    questions: ivr.questions.map(questionToRaw),
    ...(ivr.webhook ? { webhook: webhookToRaw(ivr.webhook) } : {}),
  };
}

export function findmeToRaw(f: FindMeConfig): Json {
  return {
    id: f.id,
    name: f.name ?? '',
    phone_list: [...f.phoneList],
    simultaneous: f.simultaneous,
    timeout_s: f.timeoutS,
    screen_method: f.screenMethod,
    whisper_phrase: f.whisperPhrase,
    ...(f.whisperAudio !== undefined ? { whisper_audio: f.whisperAudio } : {}),
    record: f.record,
    auto_accept: f.autoAccept,
    nextaction: f.nextaction,
    ...(f.nextactionitem !== undefined ? { nextactionitem: f.nextactionitem } : {}),
    loop_count: f.loopCount,
    randomize: f.randomize,
    holdmusic: f.holdmusic,
  };
}

export function vrToRaw(v: VrConfig): Json {
  return {
    id: v.id,
    name: v.name ?? '',
    prompt: promptToRaw(v.prompt),
    options: Object.fromEntries(Object.entries(v.options).map(([k, r]) => [k, refText(r)])),
  };
}

export function voicemailToRaw(v: VoicemailConfig): Json {
  return {
    id: v.id,
    name: v.name ?? '',
    greeting: promptToRaw(v.greeting),
    max_seconds: v.maxSeconds,
    ...(v.notify
      ? { notify_url: v.notify.url, notify_method: v.notify.method, ...(v.notify.secret !== undefined ? { notify_secret: v.notify.secret } : {}) }
      : {}),
  };
}

function postCallSourceText(s: PostCallSource): string {
  return s.kind === 'call' ? `call.${s.field}` : `ivr.${s.ivrId}.question.${s.questionNo}`;
}

const scopeText = (s: PostCallScope): string => (s.kind === 'number' ? s.number : refText(s));

export function postCallActionToRaw(a: PostCallAction): Json {
  return {
    id: a.id,
    url: a.url,
    method: a.method,
    parameters: a.parameters.map((p) => ({ name: p.name, value: postCallSourceText(p.source) })),
    applies_to: a.appliesTo.map(scopeText),
    ...(a.secret !== undefined ? { secret: a.secret } : {}),
  };
}

export function sourcetrakPoolToRaw(p: SourcetrakPool): Json {
  return {
    name: p.name,
    numbers: [...p.numbers],
    default_number: p.defaultNumber,
    sourceguard_numbers: [...p.sourceguardNumbers],
    activity_keyword: p.activityKeyword,
    domains: [...p.domains],
    ...(p.domainSetId !== undefined ? { domain_set_id: p.domainSetId } : {}),
    campaign: p.campaign,
    platform: p.platform,
    locations: [...p.locations],
    replace_numbers: [...p.replaceNumbers],
    hold_minutes: p.holdMinutes,
  };
}

/** A number's route: the reference alone, or `{ to, label }` when it has a label. */
export function numberRouteToRaw(ref: BlockRef, label: string | undefined): string | { to: string; label: string } {
  return label ? { to: refText(ref), label } : refText(ref);
}

/** The whole configuration in the flows file's shape: blocks in id order, numbers and post-call actions in theirs. */
export function flowsToRaw(f: Flows): Json {
  const byId = <T extends { id: number }>(m: Map<number, T>): T[] => [...m.values()].sort((a, b) => a.id - b.id);
  return {
    timezone: f.timezone,
    numbers: Object.fromEntries([...f.numbers].map(([n, ref]) => [n, numberRouteToRaw(ref, f.numberLabels?.get(n))])),
    ivrs: byId(f.ivrs).map(ivrToRaw),
    findmes: byId(f.findmes).map(findmeToRaw),
    vrs: byId(f.vrs).map(vrToRaw),
    voicemails: byId(f.voicemails).map(voicemailToRaw),
    post_call_actions: (f.postCallActions ?? []).map(postCallActionToRaw),
    sourcetrak_pools: [...(f.sourcetrakPools?.values() ?? [])].map(sourcetrakPoolToRaw),
  };
}
