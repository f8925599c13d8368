/**
 * A menu's options, one row per key pressed: an IVR menu question's answers and a Virtual
 * Receptionist's destinations. A key is chosen from those no other row has taken.
 */
import type { ComponentChildren } from 'preact';
import { pathOf } from '../lib/paths';
import { SelectField } from './fields';
import { RowEditor } from './row-editor';

export const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'];

export function KeyOptions(p: {
  legend: string;
  class?: string;
  /** The path of the item that holds `options` ('' for the item itself). */
  base: string;
  options: Record<string, string>;
  onOptions(options: Record<string, string>): void;
  valueHead: string;
  /** The cell for what key `key` (option `i`) gives. */
  value(key: string, value: string, i: number, set: (v: string) => void): ComponentChildren;
}) {
  const entries = Object.entries(p.options);
  const setEntries = (list: Array<[string, string]>): void => p.onOptions(Object.fromEntries(list));
  const free = DTMF_KEYS.filter((k) => !(k in p.options));
  return (
    <fieldset class={p.class}>
      <legend>{p.legend}</legend>
      <RowEditor
        columns={['Key', p.valueHead]}
        rows={entries}
        onRows={setEntries}
        removeLabel={([key], i) => `Remove option ${i + 1} (key ${key})`}
        add={free.length ? { label: 'Add option', onAdd: () => setEntries([...entries, [free[0] as string, '']]) } : undefined}
        cells={([key, value], i, set) => (
          <>
            <td>
              <SelectField
                path={`${pathOf(p.base, 'options', key)}-key`}
                label={`Option ${i + 1} key`}
                hideLabel
                value={key}
                choices={DTMF_KEYS.filter((k) => k === key || !(k in p.options)).map((k) => ({ value: k, label: k }))}
                onValue={(k) => set([k, value])}
              />
            </td>
            <td>{p.value(key, value, i, (v) => set([key, v]))}</td>
          </>
        )}
      />
    </fieldset>
  );
}
