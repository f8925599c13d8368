/** Small views shared by the call pages: a block reference as a link, a live call table, a recording's player. */
import type { ComponentChildren } from 'preact';
import { refHref, refWords } from '../lib/kinds';
import type { LiveCall } from '../lib/history';
import { Time } from './common';
import { ListTable } from './list';

export function BlockLink({ refText }: { refText: string }) {
  const href = refHref(refText);
  return href ? <a href={href}>{refWords(refText)}</a> : <span>{refText}</span>;
}

export function Blocks({ blocks }: { blocks: string[] }) {
  if (blocks.length === 0) return <span>–</span>;
  return (
    <>
      {blocks.map((b, i) => (
        <span key={i}>
          {i ? ' → ' : ''}
          <BlockLink refText={b} />
        </span>
      ))}
    </>
  );
}

/**
 * Whether a list should say which node each call is on: only when its calls come from more than one
 * node (several nodes sharing a database, deploy/README.md); a lone server's list stays as it was, calls
 * recorded before nodes were (no node) included.
 */
export function severalNodes(calls: ReadonlyArray<{ node: string | null }>): boolean {
  return new Set(calls.flatMap((c) => (c.node ? [c.node] : []))).size > 1;
}

export function LiveTable({ calls }: { calls: LiveCall[] }) {
  if (calls.length === 0) return <p>No calls in progress.</p>;
  const nodes = severalNodes(calls);
  return (
    <ListTable caption="Calls in progress" columns={['Caller', 'Number', 'Started', 'Now in', ...(nodes ? ['Node'] : [])]}>
      {calls.map((c) => (
        <tr key={c.session_id}>
          <th scope="row">
            <a href={`/calls/${c.session_id}`}>{c.from || 'withheld'}</a>
          </th>
          <td>{c.to}</td>
          <td>
            <Time iso={c.started_at} />
          </td>
          <td>
            {c.current_block ? <BlockLink refText={c.current_block} /> : '–'}
            {c.bridged_to ? ` (connected to ${c.bridged_to})` : ''}
          </td>
          {nodes ? <td>{c.node ?? '–'}</td> : null}
        </tr>
      ))}
    </ListTable>
  );
}

/** A recording: play it, or download the WAV; `children` (a Delete button, say) go beside. */
export function Player({ url, label, children }: { url: string; label: string; children?: ComponentChildren }) {
  return (
    <div class="player">
      {/* Recordings are the caller's own words: there is no text to caption them with. */}
      {/* eslint-disable-next-line jsx-a11y/media-has-caption */}
      <audio controls preload="none" src={url} aria-label={label} />
      <a href={url} download>
        Download WAV
      </a>
      {children}
    </div>
  );
}
