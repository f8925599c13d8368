/** One webhook request and what came back: parameters, status, latency, failure and body. */
import type { Webhook } from '../lib/history';
import { Time } from './common';
import { ListTable } from './list';

/** Parameters as they were sent, name and value each as code. */
export function ParamsTable(p: { params: ReadonlyArray<readonly [string, string]>; nameHead: string; caption?: string; wrap?: boolean }) {
  return (
    <ListTable class="params" columns={[p.nameHead, 'Value']} caption={p.caption} wrap={p.wrap}>
      {p.params.map(([name, value], i) => (
        <tr key={i}>
          <th scope="row">
            <code>{name}</code>
          </th>
          <td>
            <code>{value}</code>
          </td>
        </tr>
      ))}
    </ListTable>
  );
}

export function WebhookOutcome({ w }: { w: Pick<Webhook, 'ok' | 'status' | 'failure' | 'latency_ms'> }) {
  if (w.failure) return <span class="badge bad">failed: {w.failure}</span>;
  if (w.status === null) return <span class="badge">no response recorded</span>;
  return (
    <span class={`badge ${w.ok ? 'ok' : 'bad'}`}>
      {w.status}
      {w.latency_ms !== null ? ` in ${w.latency_ms} ms` : ''}
    </span>
  );
}

export function WebhookDetails({ w, headingLevel = 3 }: { w: Webhook; headingLevel?: 2 | 3 }) {
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div class="webhook-details">
      <dl class="kv">
        <dt>Request</dt>
        <dd>
          <code>
            {w.method} {w.url}
          </code>
        </dd>
        <dt>Sent</dt>
        <dd>
          <Time iso={w.sent_at} />
          {w.attempt > 1 ? ` (attempt ${w.attempt})` : ''}
        </dd>
        <dt>Outcome</dt>
        <dd>
          <WebhookOutcome w={w} />
        </dd>
        {w.replay_of !== null ? (
          <>
            <dt>Replay of</dt>
            <dd>
              <a href={`/webhooks/${w.replay_of}`}>request {w.replay_of}</a>
            </dd>
          </>
        ) : null}
        {w.session_id ? (
          <>
            <dt>Call</dt>
            <dd>
              <a href={`/calls/${w.session_id}`}>{w.session_id}</a>
            </dd>
          </>
        ) : null}
      </dl>
      <H>Parameters</H>
      {w.params.length === 0 ? <p>None.</p> : <ParamsTable nameHead="Name" params={w.params.map((p) => [p.name, p.value] as const)} />}
      <H>Response body</H>
      {w.response_body ? <pre>{w.response_body}</pre> : <p>{w.status === null ? 'No response.' : 'Empty.'}</p>}
    </div>
  );
}
