/**
 * A prompt: text read by text-to-speech, or a list of parts, each text or a file of the audio library.
 * Plain text is kept as plain text (one text part is written back as a string, as people write it).
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { fieldId, pathOf } from '../lib/paths';
import type { Prompt, PromptPart } from '../lib/types';
import { TextArea, TextField, useForm } from './fields';

export interface PromptHelp {
  /** `@name`s the configuration uses elsewhere. */
  names: string[];
  /** Files of the audio library, for audio parts. */
  audio: string[];
}

export const PromptHelpContext = createContext<PromptHelp>({ names: [], audio: [] });

function partsOf(p: Prompt): PromptPart[] {
  return typeof p === 'string' ? [{ text: p }] : p;
}

function normalise(parts: PromptPart[]): Prompt {
  const [first] = parts;
  if (parts.length === 1 && first && 'text' in first) return first.text;
  return parts;
}

export function NameHint() {
  const { names } = useContext(PromptHelpContext);
  return (
    <>
      <code>@name</code> says a user parameter your webhook sent back (letters, digits, _), e.g. <code>Hello @firstName</code>; an unknown name is said as nothing.
      {names.length ? (
        <>
          {' '}
          Names used elsewhere: {names.map((n, i) => (
            <span key={n}>
              {i ? ', ' : ''}
              <code>@{n}</code>
            </span>
          ))}
          .
        </>
      ) : null}
    </>
  );
}

export function PromptField(p: { path: string; label: string; value: Prompt; onValue(v: Prompt): void; required?: boolean }) {
  const { readOnly } = useForm();
  const { audio } = useContext(PromptHelpContext);
  const parts = partsOf(p.value);
  const set = (next: PromptPart[]): void => p.onValue(normalise(next.length ? next : [{ text: '' }]));
  const listId = `${fieldId(p.path)}-audio-files`;

  if (typeof p.value === 'string') {
    return (
      <div class="prompt">
        <TextArea path={p.path} label={p.label} value={p.value} onValue={(v) => p.onValue(v)} required={p.required} hint={<NameHint />} />
        {readOnly ? null : (
          <button type="button" class="small" onClick={() => set([...parts, { audio: '' }])}>
            Add an audio file after the text
          </button>
        )}
      </div>
    );
  }

  return (
    <fieldset class="prompt parts">
      <legend>{p.label}: parts played in order</legend>
      <datalist id={listId}>
        {audio.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <ol>
        {parts.map((part, i) => (
          <li key={i} class="part">
            {'text' in part ? (
              <TextArea path={pathOf(p.path, i, 'text')} label={`Part ${i + 1}: text`} value={part.text} onValue={(v) => set(parts.map((x, j) => (j === i ? { text: v } : x)))} hint={i === 0 ? <NameHint /> : undefined} />
            ) : (
              <TextField
                path={pathOf(p.path, i, 'audio')}
                label={`Part ${i + 1}: audio file`}
                value={part.audio}
                list={listId}
                placeholder="greeting.wav"
                hint="A .wav file of the audio library; @name may build the name."
                onValue={(v) => set(parts.map((x, j) => (j === i ? { audio: v } : x)))}
              />
            )}
            {readOnly ? null : (
              <button type="button" class="small" onClick={() => set(parts.filter((_x, j) => j !== i))} aria-label={`Remove part ${i + 1} of ${p.label}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ol>
      {readOnly ? null : (
        <div class="row">
          <button type="button" class="small" onClick={() => set([...parts, { text: '' }])}>
            Add text
          </button>
          <button type="button" class="small" onClick={() => set([...parts, { audio: '' }])}>
            Add an audio file
          </button>
        </div>
      )}
    </fieldset>
  );
}
