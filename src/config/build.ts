/**
 * From the validated shape to the typed model (snake_case -> camelCase), plus the checks that need
 * the whole file: duplicate ids, references between building blocks, question numbers in webhook
 * parameters, parameter-name collisions with the contract's names, opt-out key conflicts, and what
 * post-call actions refer to (IVR questions, dialed numbers, blocks).
 */
import {
  CALL_FIELDS,
  DEFAULT_FAILURE_TEXT,
  POST_CALL_FIELDS,
  type BlockKind,
  type BlockRef,
  type CallField,
  type FindMeConfig,
  type Flows,
  type IvrConfig,
  type ParamSource,
  type PostCallAction,
  type PostCallField,
  type PostCallParam,
  type PostCallScope,
  type PostCallSource,
  type Prompt,
  type Question,
  type VoicemailConfig,
  type VrConfig,
  type WebhookConfig,
  type WebhookParam,
} from './types.js';
import { reservedParamKind, USER_PARAM_NAME } from './names.js';
import {
  BLOCK_REF,
  PHONE_NUMBER,
  type RawFindMe,
  type RawFlows,
  type RawIvr,
  type RawPostCallAction,
  type RawPrompt,
  type RawWebhook,
} from './schema.js';
import type { PathMessage } from './issues.js';
import type { Path } from './yaml-source.js';
import { buildSourcetrakPools } from './build-pools.js';

/** What the builder needs from the YAML side: source text of plain scalars and lines for messages. */
export interface SourceLookup {
  sourceOf(path: Path): string | undefined;
  lineOf(path: Path): number;
}

const KIND_NAMES: Record<BlockKind, string> = { ivr: 'IVR', vr: 'VR', findme: 'Find Me', voicemail: 'voicemail' };

/** Find Me nextaction values that name another building block (seed's table), and its kind. */
const NEXTACTION_KIND: Partial<Record<number, BlockKind>> = { 2: 'voicemail', 4: 'vr', 5: 'findme', 6: 'ivr' };

export function toPrompt(raw: RawPrompt): Prompt {
  if (typeof raw === 'string') return [{ text: raw }];
  return raw.map((part) => (part.audio !== undefined ? { audio: part.audio } : { text: part.text ?? '' }));
}

export function parseBlockRef(text: string): BlockRef {
  const m = BLOCK_REF.exec(text);
  if (!m) throw new TypeError(`not a block reference: ${text}`); // the schema has checked the form
  return { kind: m[1] as BlockKind, id: Number(m[2]) };
}

export class FlowsBuilder {
  readonly issues: PathMessage[] = [];
  private readonly ids: Record<BlockKind, Set<number>> = { ivr: new Set(), vr: new Set(), findme: new Set(), voicemail: new Set() };
  /** Raw blocks that made it into the model (the first of each id). */
  private readonly accepted = new Set<object>();

  constructor(
    private readonly src: SourceLookup,
    private readonly file: string,
    /** Where ids are looked up, for messages: the file, or the whole configuration (file and API items). */
    private readonly where = 'in this file',
  ) {}

  private fail(path: Path, message: string): void {
    this.issues.push({ path, message });
  }

  build(raw: RawFlows): Flows {
    const flows: Flows = {
      file: this.file,
      timezone: raw.timezone,
      numbers: new Map(),
      ivrs: this.collect('ivr', 'ivrs', raw.ivrs, (r, p) => this.ivr(r, p)),
      findmes: this.collect('findme', 'findmes', raw.findmes, (r, p) => this.findme(r, p)),
      vrs: this.collect('vr', 'vrs', raw.vrs, (r): VrConfig => ({ id: r.id, name: r.name, prompt: toPrompt(r.prompt), options: {} })),
      voicemails: this.collect('voicemail', 'voicemails', raw.voicemails, (r) => this.voicemail(r)),
    };
    // References are resolved once every id is known, so blocks may refer to ones defined later.
    const labels = new Map<string, string>();
    for (const [number, route] of Object.entries(raw.numbers)) {
      if (typeof route === 'string') flows.numbers.set(number, this.ref(route, ['numbers', number]));
      else {
        flows.numbers.set(number, this.ref(route.to, ['numbers', number, 'to']));
        if (route.label !== '') labels.set(number, route.label);
      }
    }
    if (labels.size > 0) flows.numberLabels = labels;
    raw.vrs.forEach((r, i) => {
      const vr = flows.vrs.get(r.id);
      if (!vr || !this.accepted.has(r)) return; // a repeated id, already reported
      for (const [key, ref] of Object.entries(r.options)) vr.options[key] = this.ref(ref, ['vrs', i, 'options', key]);
    });
    raw.findmes.forEach((r, i) => {
      if (this.accepted.has(r)) this.findmeNext(r, ['findmes', i]);
    });
    // Last: post-call actions refer to IVR questions and dialed numbers, so those must all be known.
    flows.postCallActions = raw.post_call_actions.map((a, i) => this.postCallAction(a, flows, ['post_call_actions', i]));
    this.uniquePostCallIds(flows.postCallActions);
    flows.sourcetrakPools = buildSourcetrakPools(raw.sourcetrak_pools, flows, this.src, (path, message) => this.fail(path, message));
    return flows;
  }

  /** Builds each block of a kind, refusing a repeated id (and naming the line of the first). */
  private collect<R extends { id: number }, T>(kind: BlockKind, list: string, raws: R[], make: (r: R, path: Path) => T): Map<number, T> {
    const out = new Map<number, T>();
    const firstAt = new Map<number, number>();
    raws.forEach((r, i) => {
      const path = [list, i];
      const seen = firstAt.get(r.id);
      if (seen !== undefined) {
        const line = this.src.lineOf([list, seen, 'id']);
        this.fail([...path, 'id'], `duplicate ${KIND_NAMES[kind]} id ${r.id} (first defined at line ${line})`);
        return;
      }
      firstAt.set(r.id, i);
      this.ids[kind].add(r.id);
      this.accepted.add(r);
      out.set(r.id, make(r, path));
    });
    return out;
  }

  private ref(text: string, path: Path): BlockRef {
    const ref = parseBlockRef(text);
    if (!this.ids[ref.kind].has(ref.id)) this.fail(path, `${text} does not exist: no ${KIND_NAMES[ref.kind]} with id ${ref.id} ${this.where}`);
    return ref;
  }

  private ivr(r: RawIvr, path: Path): IvrConfig {
    const questions: Question[] = r.questions.map((q, i) => {
      const qPath = [...path, 'questions', i];
      switch (q.type) {
        case 'say':
          return { type: 'say', prompt: toPrompt(q.prompt) };
        case 'keypad':
          if (q.min_digits > q.max_digits) this.fail([...qPath, 'min_digits'], `must not be more than max_digits (${q.max_digits})`);
          return { type: 'keypad', prompt: toPrompt(q.prompt), minDigits: q.min_digits, maxDigits: q.max_digits, terminator: q.terminator, timeoutS: q.timeout_s };
        case 'menu': {
          const options = Object.fromEntries(Object.entries(q.options).map(([k, v]) => [k, String(v)]));
          return { type: 'menu', prompt: toPrompt(q.prompt), options, timeoutS: q.timeout_s };
        }
        case 'recorded':
          return { type: 'recorded', prompt: toPrompt(q.prompt), maxSeconds: q.max_seconds, transcribe: q.transcribe };
      }
    });
    if (r.opt_out_key !== undefined) this.optOutConflicts(r.opt_out_key, questions, path);
    const ivr: IvrConfig = { id: r.id, name: r.name, questions };
    if (r.opt_out_key !== undefined) ivr.optOutKey = r.opt_out_key;
    if (r.webhook) ivr.webhook = this.webhook(r.webhook, questions, [...path, 'webhook']);
    return ivr;
  }

  /** The opt-out key must mean one thing: a question that also reads it would make the call ambiguous. */
  private optOutConflicts(key: string, questions: Question[], path: Path): void {
    const at = [...path, 'opt_out_key'];
    questions.forEach((q, i) => {
      const n = i + 1;
      if (q.type === 'keypad' && q.terminator === key) this.fail(at, `"${key}" is also the terminator of question ${n}`);
      else if (q.type === 'keypad' && /[0-9]/.test(key)) this.fail(at, `"${key}" is a digit that question ${n} (keypad) reads as input`);
      else if (q.type === 'menu' && key in q.options) this.fail(at, `"${key}" is also an option of question ${n} (menu)`);
    });
  }

  private webhook(w: RawWebhook, questions: Question[], path: Path): WebhookConfig {
    const parameters: WebhookParam[] = [];
    const seen = new Set<string>();
    w.parameters.forEach((p, i) => {
      const pPath = [...path, 'parameters', i];
      const reserved = reservedParamKind(p.name);
      if (reserved === 'automatic') {
        this.fail([...pPath, 'name'], `"${p.name}" is an automatic parameter of every webhook request; choose another name`);
      } else if (reserved === 'sourcetrak') {
        this.fail([...pPath, 'name'], `"${p.name}" is a SourceTrak parameter name; choose another name`);
      } else if (seen.has(p.name)) {
        this.fail([...pPath, 'name'], `duplicate parameter name "${p.name}"`);
      }
      seen.add(p.name);
      const source = this.paramSource(p.value, questions, [...pPath, 'value']);
      if (source) parameters.push({ name: p.name, source });
    });
    const config: WebhookConfig = {
      action: w.action,
      method: w.method,
      url: w.url,
      parameters,
      includeSourcetrak: w.include_sourcetrak,
      timeoutS: w.timeout_s,
      onFailure: w.on_failure ? toPrompt(w.on_failure.say) : [{ text: DEFAULT_FAILURE_TEXT }],
    };
    if (w.secret !== undefined) config.secret = w.secret;
    if (w.transcription_url !== undefined) config.transcriptionUrl = w.transcription_url;
    return config;
  }

  /** `question.N`, `user.NAME` or `call.FIELD`. */
  private paramSource(value: string, questions: Question[], path: Path): ParamSource | undefined {
    const dot = value.indexOf('.');
    const [kind, rest] = dot < 0 ? [value, ''] : [value.slice(0, dot), value.slice(dot + 1)];
    if (kind === 'question') {
      if (!/^[1-9][0-9]*$/.test(rest)) return this.bad(path, 'expected question.N with N a question number (from 1)');
      const n = this.answerable(Number(rest), questions, 'this IVR', path);
      return n === undefined ? undefined : { kind: 'question', n };
    }
    if (kind === 'user') {
      if (!USER_PARAM_NAME.test(rest)) return this.bad(path, 'expected user.NAME with NAME of letters, digits and _');
      return { kind: 'user', name: rest };
    }
    if (kind === 'call') {
      if (!(CALL_FIELDS as readonly string[]).includes(rest)) return this.bad(path, `unknown call field "${rest}"; expected one of ${CALL_FIELDS.join(', ')}`);
      return { kind: 'call', field: rest as CallField };
    }
    return this.bad(path, 'expected question.N, user.NAME or call.FIELD');
  }

  /** Question `n` exists and has an answer (a say question has none); `owner` names the IVR in messages. */
  private answerable(n: number, questions: Question[], owner: string, path: Path): number | undefined {
    const q = questions[n - 1];
    if (!q) return this.bad(path, `question ${n} does not exist: ${owner} has ${questions.length} question${questions.length === 1 ? '' : 's'}`);
    if (q.type === 'say') return this.bad(path, `question ${n} is a say question and has no answer`);
    return n;
  }

  /**
   * One post-call action. Everything it names must exist now: an `applies_to` or an answer that can
   * never match a call would silently send nothing, or empty values, on every call.
   */
  private postCallAction(a: RawPostCallAction, flows: Flows, path: Path): PostCallAction {
    const parameters: PostCallParam[] = [];
    const seen = new Set<string>();
    a.parameters.forEach((p, i) => {
      const pPath = [...path, 'parameters', i];
      if (seen.has(p.name)) this.fail([...pPath, 'name'], `duplicate parameter name "${p.name}"`);
      seen.add(p.name);
      const source = this.postCallSource(p.value, flows, [...pPath, 'value']);
      if (source) parameters.push({ name: p.name, source });
    });
    const appliesTo: PostCallScope[] = [];
    a.applies_to.forEach((entry, i) => {
      const at = [...path, 'applies_to', i];
      // YAML reads an unquoted 8005550100 (or +1800...) as a number; the source text keeps what was meant.
      const text = typeof entry === 'string' ? entry : (this.src.sourceOf(at) ?? String(entry));
      if (BLOCK_REF.test(text)) appliesTo.push(this.ref(text, at));
      else if (!PHONE_NUMBER.test(text)) this.fail(at, 'expected a dialed number (digits with an optional leading +) or a reference like ivr/10');
      else if (!flows.numbers.has(text)) this.fail(at, `${text} is not a dialed number in numbers, so no call can match it`);
      else appliesTo.push({ kind: 'number', number: text });
    });
    const action: PostCallAction = { id: a.id ?? (path[1] as number) + 1, url: a.url, method: a.method, parameters, appliesTo };
    if (a.secret !== undefined) action.secret = a.secret;
    return action;
  }

  /** Ids given or defaulted (the position) must not meet: `id: 2` on the first action and a second without one. */
  private uniquePostCallIds(actions: PostCallAction[]): void {
    const firstAt = new Map<number, number>();
    actions.forEach((a, i) => {
      const seen = firstAt.get(a.id);
      if (seen === undefined) firstAt.set(a.id, i);
      else this.fail(['post_call_actions', i, 'id'], `duplicate post-call action id ${a.id} (post_call_actions[${seen}] has it${seen === a.id - 1 ? ' by its position' : ''})`);
    });
  }

  /** `call.FIELD` or `ivr.ID.question.N`. */
  private postCallSource(value: string, flows: Flows, path: Path): PostCallSource | undefined {
    if (value.startsWith('call.')) {
      const field = value.slice('call.'.length);
      if (!(POST_CALL_FIELDS as readonly string[]).includes(field)) {
        // The 22 st_* names would drown the rest: they are named as one family.
        const plain = POST_CALL_FIELDS.filter((f) => !f.startsWith('st_'));
        return this.bad(path, `unknown call field "${field}"; expected one of ${plain.join(', ')}, or a SourceTrak field st_* such as st_rank or st_campaign`);
      }
      return { kind: 'call', field: field as PostCallField };
    }
    const m = /^ivr\.([^.]*)\.question\.([^.]*)$/.exec(value);
    if (!m) return this.bad(path, 'expected call.FIELD or ivr.ID.question.N');
    const [, idText = '', nText = ''] = m;
    if (!/^[1-9][0-9]*$/.test(idText) || !/^[1-9][0-9]*$/.test(nText)) {
      return this.bad(path, 'expected ivr.ID.question.N with ID an IVR id and N a question number (from 1)');
    }
    const ivrId = Number(idText);
    const ivr = flows.ivrs.get(ivrId);
    if (!ivr) return this.bad(path, `no IVR with id ${ivrId} ${this.where}`);
    const questionNo = this.answerable(Number(nText), ivr.questions, `IVR ${ivrId}`, path);
    return questionNo === undefined ? undefined : { kind: 'answer', ivrId, questionNo };
  }

  private bad(path: Path, message: string): undefined {
    this.fail(path, message);
    return undefined;
  }

  private findme(r: RawFindMe, path: Path): FindMeConfig {
    const phoneList = r.phone_list.map((p, i) => {
      // YAML reads an unquoted +13125550101 as a number; the source text keeps the +.
      const text = typeof p === 'string' ? p : (this.src.sourceOf([...path, 'phone_list', i]) ?? String(p));
      if (!PHONE_NUMBER.test(text)) this.fail([...path, 'phone_list', i], 'expected a phone number: digits with an optional leading +');
      return text;
    });
    if (r.screen_method === 1 && r.whisper_phrase === '') this.fail([...path, 'whisper_phrase'], 'required when screen_method is 1 (whisper text)');
    if (r.screen_method === 2 && r.whisper_audio === undefined) this.fail([...path, 'whisper_audio'], 'required when screen_method is 2 (whisper audio)');
    const config: FindMeConfig = {
      id: r.id,
      name: r.name,
      phoneList,
      simultaneous: r.simultaneous,
      timeoutS: r.timeout_s,
      screenMethod: r.screen_method as FindMeConfig['screenMethod'],
      whisperPhrase: r.whisper_phrase,
      record: r.record as FindMeConfig['record'],
      autoAccept: r.auto_accept as FindMeConfig['autoAccept'],
      nextaction: r.nextaction as FindMeConfig['nextaction'],
      loopCount: r.loop_count,
      randomize: r.randomize,
      holdmusic: r.holdmusic,
    };
    if (r.whisper_audio !== undefined) config.whisperAudio = r.whisper_audio;
    if (r.nextactionitem !== undefined) config.nextactionitem = r.nextactionitem;
    return config;
  }

  /** nextactionitem is needed exactly when nextaction routes to another block, and must name one. */
  private findmeNext(r: RawFindMe, path: Path): void {
    const kind = NEXTACTION_KIND[r.nextaction];
    const at = [...path, 'nextactionitem'];
    if (kind === undefined) {
      if (r.nextactionitem !== undefined) this.fail(at, `not used when nextaction is ${r.nextaction}; only with 2 (voicemail), 4 (VR), 5 (Find Me) or 6 (IVR)`);
    } else if (r.nextactionitem === undefined) {
      this.fail(at, `required when nextaction is ${r.nextaction}: the id of the ${KIND_NAMES[kind]} to route to`);
    } else if (!this.ids[kind].has(r.nextactionitem)) {
      this.fail(at, `no ${KIND_NAMES[kind]} with id ${r.nextactionitem} ${this.where} (nextaction ${r.nextaction} routes to ${kind === 'ivr' ? 'an' : 'a'} ${KIND_NAMES[kind]})`);
    }
  }

  private voicemail(r: RawFlows['voicemails'][number]): VoicemailConfig {
    return {
      id: r.id,
      name: r.name,
      greeting: toPrompt(r.greeting),
      maxSeconds: r.max_seconds,
      ...(r.notify_url ? { notify: { url: r.notify_url, method: r.notify_method, ...(r.notify_secret ? { secret: r.notify_secret } : {}) } } : {}),
    };
  }
}
