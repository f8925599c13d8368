/**
 * Labelled form controls that find their own error: each takes the key path the server would name
 * (`questions[1].max_digits`), shows the error from the form's context beside the control, and ties
 * hint and error to it with aria-describedby, so a screen reader reads them with the field.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import { fieldId, type FieldErrors } from '../lib/paths';

export interface FormState {
  errors: FieldErrors;
  /** File-managed items are shown, not edited. */
  readOnly: boolean;
}

export const FormContext = createContext<FormState>({ errors: {}, readOnly: false });

export function useForm(): FormState {
  return useContext(FormContext);
}

interface FieldProps {
  path: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  /** Hide the label visually (a table cell whose column heads say it); screen readers still read it. */
  hideLabel?: boolean;
  required?: boolean;
  class?: string;
}

function described(path: string, hint: boolean, error: boolean): string | undefined {
  const ids = [hint ? `${fieldId(path)}-hint` : '', error ? `${fieldId(path)}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Wrap(p: FieldProps & { children: ComponentChildren; error: string | undefined }) {
  const id = fieldId(p.path);
  return (
    <div class={`field${p.error ? ' has-error' : ''}${p.class ? ` ${p.class}` : ''}`}>
      <label htmlFor={id} class={p.hideLabel ? 'visually-hidden' : undefined}>
        {p.label}
        {p.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {p.children}
      {p.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <div class="error" id={`${id}-error`}>
          {p.error}
        </div>
      ) : null}
    </div>
  );
}

/** The few input attributes the console's text fields use. */
interface InputAttrs {
  type?: 'text' | 'url' | 'password' | 'tel' | 'search' | 'datetime-local';
  placeholder?: string | undefined;
  inputMode?: 'text' | 'url' | 'tel' | 'numeric' | undefined;
  list?: string | undefined;
  spellcheck?: boolean;
  autoComplete?: string;
}

export function TextField(p: FieldProps & InputAttrs & { value: string; onValue(v: string): void }) {
  const { errors, readOnly } = useForm();
  const { path, label, hint, hideLabel, required, value, onValue, class: cls, type, ...rest } = p;
  const error = errors[path];
  return (
    <Wrap path={path} label={label} hint={hint} hideLabel={hideLabel} required={required} error={error} class={cls}>
      <input
        id={fieldId(path)}
        // Preact types each input type apart; these all take text, so one of them stands for all.
        type={(type ?? 'text') as 'text'}
        {...rest}
        value={value}
        readOnly={readOnly}
        required={required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described(path, Boolean(hint), Boolean(error))}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </Wrap>
  );
}

export function NumberField(p: FieldProps & { value: number | undefined; onValue(v: number | undefined): void; min?: number; max?: number; unit?: string }) {
  const { errors, readOnly } = useForm();
  const error = errors[p.path];
  return (
    <Wrap {...p} error={error}>
      <span class="with-unit">
        <input
          id={fieldId(p.path)}
          type="number"
          inputMode="numeric"
          min={p.min}
          max={p.max}
          step={1}
          value={p.value ?? ''}
          readOnly={readOnly}
          required={p.required}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={described(p.path, Boolean(p.hint), Boolean(error))}
          onInput={(e) => {
            const t = e.currentTarget.value;
            onNumber(t, p.onValue);
          }}
        />
        {p.unit ? <span class="unit">{p.unit}</span> : null}
      </span>
    </Wrap>
  );
}

function onNumber(text: string, set: (v: number | undefined) => void): void {
  if (text.trim() === '') set(undefined);
  else if (Number.isFinite(Number(text))) set(Number(text));
}

export interface Choice {
  value: string;
  label: string;
}

export function SelectField(p: FieldProps & { value: string; onValue(v: string): void; choices: readonly Choice[] }) {
  const { errors, readOnly } = useForm();
  const error = errors[p.path];
  return (
    <Wrap {...p} error={error}>
      <select
        id={fieldId(p.path)}
        value={p.value}
        disabled={readOnly}
        required={p.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described(p.path, Boolean(p.hint), Boolean(error))}
        onChange={(e) => p.onValue(e.currentTarget.value)}
      >
        {p.choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </Wrap>
  );
}

export function TextArea(p: FieldProps & { value: string; onValue(v: string): void; rows?: number }) {
  const { errors, readOnly } = useForm();
  const error = errors[p.path];
  return (
    <Wrap {...p} error={error}>
      <textarea
        id={fieldId(p.path)}
        rows={p.rows ?? 2}
        value={p.value}
        readOnly={readOnly}
        required={p.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described(p.path, Boolean(p.hint), Boolean(error))}
        onInput={(e) => p.onValue(e.currentTarget.value)}
      />
    </Wrap>
  );
}

export function CheckboxField(p: { path: string; label: ComponentChildren; hint?: ComponentChildren; checked: boolean; onValue(v: boolean): void }) {
  const { errors, readOnly } = useForm();
  const error = errors[p.path];
  const id = fieldId(p.path);
  return (
    <div class={`field checkbox${error ? ' has-error' : ''}`}>
      <input
        id={id}
        type="checkbox"
        checked={p.checked}
        disabled={readOnly}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described(p.path, Boolean(p.hint), Boolean(error))}
        onChange={(e) => p.onValue(e.currentTarget.checked)}
      />
      <label htmlFor={id}>{p.label}</label>
      {p.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {p.hint}
        </div>
      ) : null}
      {error ? (
        <div class="error" id={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** A group of radio buttons under one legend; each choice may carry a line of explanation. */
export function RadioGroup(p: { path: string; legend: ComponentChildren; value: string; onValue(v: string): void; choices: ReadonlyArray<Choice & { hint?: string }> }) {
  const { errors, readOnly } = useForm();
  const error = errors[p.path];
  const id = fieldId(p.path);
  return (
    <fieldset class={`radio-group${error ? ' has-error' : ''}`} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{p.legend}</legend>
      {p.choices.map((c, i) => (
        <div class="radio" key={c.value}>
          <input
            type="radio"
            id={i === 0 ? id : `${id}-${c.value}`}
            name={id}
            value={c.value}
            checked={p.value === c.value}
            disabled={readOnly}
            aria-describedby={c.hint ? `${id}-${c.value}-hint` : undefined}
            onChange={() => p.onValue(c.value)}
          />
          <label htmlFor={i === 0 ? id : `${id}-${c.value}`}>{c.label}</label>
          {c.hint ? (
            <div class="hint" id={`${id}-${c.value}-hint`}>
              {c.hint}
            </div>
          ) : null}
        </div>
      ))}
      {error ? (
        <div class="error" id={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </fieldset>
  );
}
