/**
 * The pieces every list page shows: the list's state (its error, "Loading…", the words for an empty
 * list), the table with its column heads, and the pager of a list read with the server's cursor.
 */
import type { ComponentChildren } from 'preact';
import type { Paged } from '../lib/use-get';
import { ErrorText, Loading } from './common';

/**
 * The list's error; "Loading…" until the first answer; `empty` when it has no items; the items
 * (`children`) when there are some. Items already shown stay under a later error (a failed next page).
 */
export function ListView<T>(p: { items: T[] | null | undefined; error: string | null; what: string; empty: string; children: (items: T[]) => ComponentChildren }) {
  return (
    <>
      {p.error ? <ErrorText>{p.error}</ErrorText> : null}
      {!p.items && !p.error ? <Loading what={p.what} /> : null}
      {p.items && p.items.length === 0 ? <p>{p.empty}</p> : null}
      {p.items && p.items.length ? p.children(p.items) : null}
    </>
  );
}

/** "First page" once past it, "Next page" while there is one. */
export function Pager<T>({ list }: { list: Paged<T> }) {
  return (
    <div class="actions">
      {list.hasPrevious ? (
        <button type="button" onClick={list.first}>
          First page
        </button>
      ) : null}
      {list.data?.next_cursor ? (
        <button type="button" onClick={list.next}>
          Next page
        </button>
      ) : null}
    </div>
  );
}

/** A column head that names a column of buttons for screen readers only. */
export const ACTIONS = { hidden: 'Actions' } as const;
type Column = string | { hidden: string };

export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th scope="col" key={typeof c === 'string' ? c : c.hidden}>
            {typeof c === 'string' ? c : <span class="visually-hidden">{c.hidden}</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/**
 * A table of records (class `list`) with its column heads, in a box that scrolls sideways on a narrow
 * screen. `caption` names it for screen readers. `wrap={false}` leaves the box out where the table
 * sits in something narrow of its own.
 */
export function ListTable(p: { columns: readonly Column[]; caption?: string; class?: string; wrap?: boolean; children: ComponentChildren }) {
  const table = (
    <table class={p.class ? `list ${p.class}` : 'list'}>
      {p.caption ? <caption class="visually-hidden">{p.caption}</caption> : null}
      <TableHead columns={p.columns} />
      <tbody>{p.children}</tbody>
    </table>
  );
  return p.wrap === false ? table : <div class="table-wrap">{table}</div>;
}
