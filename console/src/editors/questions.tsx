/** The IVR's questions, asked in order: add, remove, move, and each one's type, prompt and options. */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { NumberField, SelectField, TextField, useForm, type Choice } from '../components/fields';
import { KeyOptions } from '../components/key-options';
import { PromptField } from '../components/prompt-field';
import { EditButton } from '../components/row-editor';
import { moveQuestion, questionOfType, removeQuestion, setQuestionType } from '../lib/ivr';
import { fieldId, pathOf } from '../lib/paths';
import type { Ivr, MenuQuestion, Question, QuestionType } from '../lib/types';

const TYPES: Choice[] = [
  { value: 'say', label: 'Say: a prompt, no answer' },
  { value: 'keypad', label: 'Keypad: digits, e.g. an account number' },
  { value: 'menu', label: 'Menu: one key chooses an option' },
  { value: 'recorded', label: 'Recorded: the caller speaks' },
];

const TERMINATORS: Choice[] = [
  { value: '#', label: '# (pound)' },
  { value: '*', label: '* (star)' },
  { value: '', label: 'None: input ends at the maximum or the timeout' },
];

const TRANSCRIBE: Choice[] = [
  { value: 'none', label: 'No' },
  { value: 'standard', label: 'Standard (machine)' },
  { value: 'human', label: 'Human (sent as standard here)' },
];

function MenuOptions({ q, base, set }: { q: MenuQuestion; base: string; set(q: MenuQuestion): void }) {
  return (
    <KeyOptions
      class="menu-options"
      legend="Menu options: the key pressed, and the answer it gives"
      base={base}
      options={q.options}
      onOptions={(options) => set({ ...q, options })}
      valueHead="Answer sent to the webhook"
      value={(key, value, i, setValue) => <TextField path={pathOf(base, 'options', key)} label={`Option ${i + 1} answer (key ${key})`} hideLabel value={String(value)} onValue={setValue} />}
    />
  );
}

function QuestionOptions({ q, base, set }: { q: Question; base: string; set(q: Question): void }) {
  switch (q.type) {
    case 'say':
      return null;
    case 'keypad':
      return (
        <div class="cols">
          <NumberField path={pathOf(base, 'min_digits')} label="Fewest digits" min={0} max={64} value={q.min_digits} onValue={(v) => set({ ...q, min_digits: v ?? 0 })} />
          <NumberField path={pathOf(base, 'max_digits')} label="Most digits" min={1} max={64} value={q.max_digits} onValue={(v) => set({ ...q, max_digits: v ?? 1 })} />
          <SelectField path={pathOf(base, 'terminator')} label="Ends with" value={q.terminator} choices={TERMINATORS} onValue={(v) => set({ ...q, terminator: v as '#' | '*' | '' })} />
          <NumberField path={pathOf(base, 'timeout_s')} label="Timeout" unit="s" min={1} max={60} value={q.timeout_s} onValue={(v) => set({ ...q, timeout_s: v ?? 5 })} hint="Before the first digit and between digits; then asked again, twice." />
        </div>
      );
    case 'menu':
      return (
        <>
          <MenuOptions q={q} base={base} set={set} />
          <NumberField path={pathOf(base, 'timeout_s')} label="Timeout" unit="s" min={1} max={60} value={q.timeout_s} onValue={(v) => set({ ...q, timeout_s: v ?? 5 })} />
        </>
      );
    case 'recorded':
      return (
        <div class="cols">
          <NumberField path={pathOf(base, 'max_seconds')} label="Longest recording" unit="s" min={1} max={3600} value={q.max_seconds} onValue={(v) => set({ ...q, max_seconds: v ?? 60 })} />
          <SelectField path={pathOf(base, 'transcribe')} label="Transcribe" value={q.transcribe} choices={TRANSCRIBE} onValue={(v) => set({ ...q, transcribe: v as 'none' | 'standard' | 'human' })} hint="The text goes to the Transcription Post Back URL (Webhook Settings › Advanced)." />
        </div>
      );
  }
}

export function QuestionsEditor({ ivr, setIvr }: { ivr: Ivr; setIvr(update: (v: Ivr) => Ivr): void }) {
  const { readOnly } = useForm();
  // Stable keys, so moving a question moves its fields (and what is typed in them) with it.
  const keys = useRef<number[]>([]);
  const next = useRef(1);
  while (keys.current.length < ivr.questions.length) keys.current.push(next.current++);
  if (keys.current.length > ivr.questions.length) keys.current.length = ivr.questions.length;
  const focusAfter = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (!focusAfter.current) return;
    const el = document.getElementById(focusAfter.current) as HTMLButtonElement | null;
    focusAfter.current = null;
    if (el && !el.disabled) el.focus();
    else (el?.parentElement?.querySelector('button:not([disabled])') as HTMLElement | null)?.focus();
  });

  const setQuestion = (i: number, q: Question): void => setIvr((v) => ({ ...v, questions: v.questions.map((x, j) => (j === i ? q : x)) }));
  const move = (i: number, delta: -1 | 1): void => {
    const k = keys.current;
    [k[i], k[i + delta]] = [k[i + delta] as number, k[i] as number];
    focusAfter.current = `q-${k[i + delta]}-${delta < 0 ? 'up' : 'down'}`;
    setIvr((v) => moveQuestion(v, i, delta));
  };
  const remove = (i: number): void => {
    keys.current.splice(i, 1);
    const after = keys.current[Math.min(i, keys.current.length - 1)];
    focusAfter.current = after === undefined ? 'add-question' : fieldId(pathOf('questions', Math.min(i, keys.current.length - 1), 'type'));
    setIvr((v) => removeQuestion(v, i));
  };
  const add = (): void => {
    keys.current.push(next.current++);
    focusAfter.current = fieldId(pathOf('questions', keys.current.length - 1, 'type'));
    setIvr((v) => ({ ...v, questions: [...v.questions, questionOfType('keypad')] }));
  };

  return (
    <section aria-labelledby="questions-title">
      <h2 id="questions-title">Questions, asked in order</h2>
      <ol class="questions">
        {ivr.questions.map((q, i) => {
          const base = pathOf('questions', i);
          const k = keys.current[i] as number;
          return (
            <li key={k} class="question">
              <fieldset>
                <legend>Question {i + 1}</legend>
                <div class="cols">
                  <SelectField path={pathOf(base, 'type')} label="Type" value={q.type} choices={TYPES} onValue={(t) => setQuestion(i, setQuestionType(q, t as QuestionType))} />
                </div>
                <PromptField path={pathOf(base, 'prompt')} label="Prompt" value={q.prompt} onValue={(p) => setQuestion(i, { ...q, prompt: p })} required />
                <QuestionOptions q={q} base={base} set={(nq) => setQuestion(i, nq)} />
                {readOnly ? null : (
                  <div class="row question-actions">
                    <button type="button" class="small" id={`q-${k}-up`} disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move question ${i + 1} up`}>
                      ↑ Up
                    </button>
                    <button type="button" class="small" id={`q-${k}-down`} disabled={i === ivr.questions.length - 1} onClick={() => move(i, 1)} aria-label={`Move question ${i + 1} down`}>
                      ↓ Down
                    </button>
                    <button type="button" class="small danger" disabled={ivr.questions.length === 1} onClick={() => remove(i)} aria-label={`Remove question ${i + 1}`}>
                      Remove
                    </button>
                  </div>
                )}
              </fieldset>
            </li>
          );
        })}
      </ol>
      <EditButton id="add-question" onClick={add}>
        Add question
      </EditButton>
    </section>
  );
}
