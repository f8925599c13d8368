/** Small views shared by the call pages: a block reference as a link, a live call table. */
import { refHref, refWords } from '../lib/kinds';
import type { LiveCall } from '../lib/history';
import { Time } from './common';

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

export function LiveTable({ calls }: { calls: LiveCall[] }) {
  if (calls.length === 0) return <p>No calls in progress.</p>;
  return (
    <div class="table-wrap">
      <table class="list">
        <caption class="visually-hidden">Calls in progress</caption>
        <thead>
          <tr>
            <th scope="col">Caller</th>
            <th scope="col">Number</th>
            <th scope="col">Started</th>
            <th scope="col">Now in</th>
          </tr>
        </thead>
        <tbody>
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
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
