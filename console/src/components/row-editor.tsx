/**
 * Editing a list of rows (menu options, webhook parameters, post-call parameters): a grid with a
 * Remove button on each row and an add button below. A read-only form (a file-managed item) shows the
 * rows without the buttons.
 */
import type { ComponentChildren } from 'preact';
import { useForm } from './fields';
import { ACTIONS, TableHead } from './list';

/** A button that changes the form: none in a read-only form. */
export function EditButton(p: { onClick(): void; label?: string; id?: string; class?: string; children: ComponentChildren }) {
  const { readOnly } = useForm();
  if (readOnly) return null;
  return (
    <button type="button" class={p.class} id={p.id} aria-label={p.label} onClick={p.onClick}>
      {p.children}
    </button>
  );
}

export function RowEditor<T>(p: {
  /** The heads of the columns `cells` draws; a last one for the buttons is added. */
  columns: readonly string[];
  rows: readonly T[];
  onRows(rows: T[]): void;
  /** A row's cells (`<td>`s); `set` replaces the row. */
  cells(row: T, i: number, set: (row: T) => void): ComponentChildren;
  /** What the Remove button of a row says to a screen reader ("Remove parameter 2 (order)"). */
  removeLabel(row: T, i: number): string;
  /** The add button; none when nothing more can be added (every key taken, say). */
  add?: { label: string; onAdd(): void };
  /** No column heads over no rows (the fieldset's hint says there are none yet). */
  headless?: boolean;
}) {
  const set = (i: number) => (row: T) => p.onRows(p.rows.map((x, j) => (j === i ? row : x)));
  return (
    <>
      <table class="grid">
        {p.headless ? null : <TableHead columns={[...p.columns, ACTIONS]} />}
        <tbody>
          {p.rows.map((row, i) => (
            <tr key={i}>
              {p.cells(row, i, set(i))}
              <td>
                <EditButton class="small" label={p.removeLabel(row, i)} onClick={() => p.onRows(p.rows.filter((_x, j) => j !== i))}>
                  Remove
                </EditButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.add ? (
        <EditButton class="small" onClick={p.add.onAdd}>
          {p.add.label}
        </EditButton>
      ) : null}
    </>
  );
}
