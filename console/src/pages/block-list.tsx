/** One list per kind of configuration item; file-managed items are marked and open read-only. */
import { useEffect, useState } from 'preact/hooks';
import { ErrorText, Loading, PageTitle } from '../components/common';
import { describeError, get } from '../lib/api';
import { KINDS, refHref, refWords, type Kind, type KindId } from '../lib/kinds';
import type { FindMe, Ivr, ListItem, Listing, NumberRoute, PostCallAction, Voicemail, Vr } from '../lib/types';

function summary(kind: KindId, v: unknown) {
  switch (kind) {
    case 'ivr': {
      const ivr = v as Ivr;
      const hook = ivr.webhook ? `${ivr.webhook.method} ${ivr.webhook.url}` : 'no webhook';
      return `${ivr.questions.length} question${ivr.questions.length === 1 ? '' : 's'}; ${hook}`;
    }
    case 'findme': {
      const f = v as FindMe;
      return `rings ${f.phone_list.join(', ')}`;
    }
    case 'vr': {
      const vr = v as Vr;
      return Object.entries(vr.options)
        .map(([k, to]) => `${k} → ${refWords(to)}`)
        .join('; ');
    }
    case 'voicemail':
      return `messages up to ${(v as Voicemail).max_seconds} s${(v as Voicemail).notify_url ? '; notifies' : ''}`;
    case 'number': {
      const n = v as NumberRoute;
      const href = refHref(n.to);
      return (
        <>
          → {href ? <a href={href}>{refWords(n.to)}</a> : n.to}
        </>
      );
    }
    case 'post_call_action': {
      const a = v as PostCallAction;
      return `${a.method} ${a.url}${a.applies_to.length ? ` after calls to ${a.applies_to.join(', ')}` : ' after every call'}`;
    }
  }
}

function keyOf(kind: Kind, v: Record<string, unknown>): string {
  return String(v[kind.key] ?? '');
}

function nameOf(kind: KindId, v: Record<string, unknown>): string {
  return String((kind === 'number' ? v['label'] : v['name']) ?? '');
}

export function BlockList({ kindId }: { kindId: KindId }) {
  const kind = KINDS[kindId];
  const [items, setItems] = useState<Array<ListItem<Record<string, unknown>>> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    setItems(null);
    setError(null);
    get<Listing<Record<string, unknown>>>(kind.path, ctl.signal).then(
      (l) => setItems(l.items),
      (err: unknown) => (err as Error).name !== 'AbortError' && setError(describeError(err)),
    );
    return () => ctl.abort();
  }, [kind]);

  const fileCount = items?.filter((i) => i.managed_by === 'file').length ?? 0;
  return (
    <>
      <PageTitle>{kind.many}</PageTitle>
      <p class="actions">
        <a class="button primary" href={`${kind.path}/new`}>
          New {kind.one}
        </a>
      </p>
      {error ? <ErrorText>{error}</ErrorText> : null}
      {items === null && !error ? <Loading what={kind.many} /> : null}
      {items && items.length === 0 ? <p>No {kind.many.toLowerCase()} yet.</p> : null}
      {fileCount ? <p class="note">Items marked “flows file” are defined in the flows file: edit the file to change them.</p> : null}
      {items && items.length ? (
        <div class="table-wrap">
          <table class="list">
            <caption class="visually-hidden">{kind.many}</caption>
            <thead>
              <tr>
                <th scope="col">{kind.key === 'number' ? 'Number' : 'Id'}</th>
                <th scope="col">{kind.key === 'number' ? 'Label' : 'Name'}</th>
                <th scope="col">Summary</th>
                <th scope="col">Managed by</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => {
                const key = keyOf(kind, i.value);
                const name = nameOf(kindId, i.value);
                return (
                  <tr key={key}>
                    <th scope="row">
                      <a href={`${kind.path}/${encodeURIComponent(key)}`} aria-label={`${i.managed_by === 'file' ? 'View' : 'Edit'} ${kind.one} ${key}${name ? ` (${name})` : ''}`}>
                        {key}
                      </a>
                    </th>
                    <td>{name}</td>
                    <td class="summary">{summary(kindId, i.value)}</td>
                    <td>{i.managed_by === 'file' ? <span class="badge file">flows file</span> : <span class="badge api">console / API</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
