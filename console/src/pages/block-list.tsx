/** One list per kind of configuration item; file-managed items are marked and open read-only. */
import { PageTitle } from '../components/common';
import { ListTable, ListView } from '../components/list';
import { KINDS, refHref, refWords, type Kind, type KindId } from '../lib/kinds';
import type { FindMe, Ivr, Listing, NumberRoute, PostCallAction, Voicemail, Vr } from '../lib/types';
import { useGet } from '../lib/use-get';

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
  const list = useGet<Listing<Record<string, unknown>>>(kind.path);
  return (
    <>
      <PageTitle>{kind.many}</PageTitle>
      <p class="actions">
        <a class="button primary" href={`${kind.path}/new`}>
          New {kind.one}
        </a>
      </p>
      <ListView items={list.data?.items} error={list.error} what={kind.many} empty={`No ${kind.many.toLowerCase()} yet.`}>
        {(items) => (
          <>
            {items.some((i) => i.managed_by === 'file') ? <p class="note">Items marked “flows file” are defined in the flows file: edit the file to change them.</p> : null}
            <ListTable caption={kind.many} columns={[kind.key === 'number' ? 'Number' : 'Id', kind.key === 'number' ? 'Label' : 'Name', 'Summary', 'Managed by']}>
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
            </ListTable>
          </>
        )}
      </ListView>
    </>
  );
}
