/** A list of short texts (phone numbers, references): one labelled input a row, add and remove. */
import { fieldId, pathOf } from '../lib/paths';
import { TextField, useForm } from './fields';
import { EditButton } from './row-editor';

export function StringList(p: {
  path: string;
  legend: string;
  itemLabel: string;
  values: string[];
  onValues(v: string[]): void;
  placeholder?: string;
  hint?: string;
  /** Suggestions for each input (a datalist). */
  suggestions?: string[];
  inputMode?: 'tel' | 'text';
}) {
  const { errors } = useForm();
  const listId = `${fieldId(p.path)}-suggestions`;
  const add = (): void => {
    p.onValues([...p.values, '']);
    setTimeout(() => document.getElementById(fieldId(pathOf(p.path, p.values.length)))?.focus(), 0);
  };
  return (
    <fieldset class="string-list">
      <legend>{p.legend}</legend>
      {p.hint ? <p class="hint">{p.hint}</p> : null}
      {errors[p.path] ? <p class="error">{errors[p.path]}</p> : null}
      {p.suggestions ? (
        <datalist id={listId}>
          {p.suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
      <ol>
        {p.values.map((v, i) => (
          <li key={i} class="row">
            <TextField
              path={pathOf(p.path, i)}
              label={`${p.itemLabel} ${i + 1}`}
              value={v}
              placeholder={p.placeholder}
              inputMode={p.inputMode}
              list={p.suggestions ? listId : undefined}
              spellcheck={false}
              onValue={(nv) => p.onValues(p.values.map((x, j) => (j === i ? nv : x)))}
            />
            <EditButton class="small" label={`Remove ${p.itemLabel.toLowerCase()} ${i + 1}${v ? ` (${v})` : ''}`} onClick={() => p.onValues(p.values.filter((_x, j) => j !== i))}>
              Remove
            </EditButton>
          </li>
        ))}
      </ol>
      <EditButton class="small" onClick={add}>
        Add {p.itemLabel.toLowerCase()}
      </EditButton>
    </fieldset>
  );
}
