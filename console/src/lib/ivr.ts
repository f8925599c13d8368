/**
 * IVR edits that keep the IVR consistent: a question's options follow its type, and moving or
 * removing a question renumbers the webhook parameters that name it (`question.N` counts from 1),
 * so a parameter keeps pointing at the same question.
 */
import type { Ivr, Parameter, Question, QuestionType, Webhook } from './types';

/** The flows file's defaults (src/config/schema.ts). */
export function questionOfType(type: QuestionType, prompt: Question['prompt'] = ''): Question {
  switch (type) {
    case 'say':
      return { type, prompt };
    case 'keypad':
      return { type, prompt, min_digits: 1, max_digits: 20, terminator: '#', timeout_s: 5 };
    case 'menu':
      return { type, prompt, options: { '1': '' }, timeout_s: 5 };
    case 'recorded':
      return { type, prompt, max_seconds: 60, transcribe: 'none' };
  }
}

export function blankIvr(): Ivr {
  return { name: '', questions: [questionOfType('keypad')] };
}

export function blankWebhook(): Webhook {
  return { action: 'next_action', method: 'POST', url: '', parameters: [], include_sourcetrak: false, timeout_s: 10 };
}

/** A question has an answer a parameter can send unless it only says something. */
export function answerable(q: Question): boolean {
  return q.type !== 'say';
}

export type ParamSource =
  | { kind: 'question'; n: number | undefined }
  | { kind: 'user'; name: string }
  | { kind: 'call'; field: string };

export function parseSource(value: string): ParamSource {
  const dot = value.indexOf('.');
  const kind = dot < 0 ? value : value.slice(0, dot);
  const rest = dot < 0 ? '' : value.slice(dot + 1);
  if (kind === 'question') return { kind, n: /^[1-9][0-9]*$/.test(rest) ? Number(rest) : undefined };
  if (kind === 'call') return { kind, field: rest };
  return { kind: 'user', name: kind === 'user' ? rest : value };
}

export function sourceText(s: ParamSource): string {
  switch (s.kind) {
    case 'question':
      return s.n === undefined ? 'question.' : `question.${s.n}`;
    case 'user':
      return `user.${s.name}`;
    case 'call':
      return `call.${s.field}`;
  }
}

function renumber(params: Parameter[], map: (n: number) => number | undefined): Parameter[] {
  return params.map((p) => {
    const s = parseSource(p.value);
    if (s.kind !== 'question' || s.n === undefined) return p;
    const n = map(s.n);
    return { ...p, value: n === undefined ? 'question.' : `question.${n}` };
  });
}

function withParams(ivr: Ivr, map: (n: number) => number | undefined): Ivr {
  return ivr.webhook ? { ...ivr, webhook: { ...ivr.webhook, parameters: renumber(ivr.webhook.parameters, map) } } : ivr;
}

/** Swaps question `i` (from 0) with its neighbour `i + delta`. */
export function moveQuestion(ivr: Ivr, i: number, delta: -1 | 1): Ivr {
  const j = i + delta;
  if (j < 0 || j >= ivr.questions.length) return ivr;
  const questions = [...ivr.questions];
  [questions[i], questions[j]] = [questions[j] as Question, questions[i] as Question];
  const a = i + 1;
  const b = j + 1;
  return withParams({ ...ivr, questions }, (n) => (n === a ? b : n === b ? a : n));
}

/** Removes question `i` (from 0); parameters that sent its answer are left without a question to choose. */
export function removeQuestion(ivr: Ivr, i: number): Ivr {
  const gone = i + 1;
  return withParams({ ...ivr, questions: ivr.questions.filter((_q, k) => k !== i) }, (n) => (n === gone ? undefined : n > gone ? n - 1 : n));
}

export function setQuestionType(q: Question, type: QuestionType): Question {
  return q.type === type ? q : questionOfType(type, q.prompt);
}

/** What a parameter of each kind is called on the page. */
export const SOURCE_KINDS = [
  { value: 'question', label: 'Answer to a question of this IVR' },
  { value: 'user', label: 'User parameter (@name)' },
  { value: 'call', label: 'Call field' },
] as const;
