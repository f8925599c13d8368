/**
 * One call: who called, where it went, and its timeline (prompts, keys, webhook requests and what came
 * back, transitions, recordings, each with its time from the start), with a player for each recording.
 */
import { ErrorText, Loading, PageTitle, Time } from '../components/common';
import { Blocks, Player } from '../components/call-bits';
import { ListTable } from '../components/list';
import { WebhookDetails, WebhookOutcome } from '../components/webhook-view';
import { duration, type CallDetail, type TimelineItem } from '../lib/history';
import { useGet } from '../lib/use-get';

function Item({ item, call }: { item: TimelineItem; call: CallDetail }) {
  const d = item.data;
  const webhookId = typeof d['webhook_id'] === 'number' ? d['webhook_id'] : undefined;
  const webhook = webhookId === undefined ? undefined : call.webhooks.find((w) => w.id === webhookId);
  const failed = item.type === 'error' || (item.type === 'webhook' && (d['failure'] || d['ok'] === false));
  return (
    <li class={`${item.type}${failed ? ' failure' : ''}`}>
      <span class="at">+{(item.offset_ms / 1000).toFixed(1)} s</span>
      {item.leg ? <span class="badge">{item.leg}</span> : null} {item.summary}
      {webhook?.replay_of ? ` (a replay of request ${webhook.replay_of})` : ''}
      {item.type === 'webhook' && webhook ? (
        <details>
          <summary>
            Request and response <WebhookOutcome w={webhook} />
          </summary>
          <WebhookDetails w={webhook} />
          <p>
            <a href={`/webhooks/${webhook.id}`}>Open in the webhook log (replay it there)</a>
          </p>
        </details>
      ) : null}
      {item.type === 'recording_saved' && typeof d['audio_url'] === 'string' ? <Player url={d['audio_url']} label={`Recording at ${(item.offset_ms / 1000).toFixed(1)} s`} /> : null}
    </li>
  );
}

export function CallPage({ sessionId }: { sessionId: string }) {
  const { data: call, error } = useGet<CallDetail>(`/calls/${sessionId}`, { notFound: 'No call with this session id.' });

  if (error)
    return (
      <>
        <PageTitle>Call</PageTitle>
        <ErrorText>{error}</ErrorText>
      </>
    );
  if (!call) return <Loading what="the call" />;
  return (
    <>
      <p class="crumbs">
        <a href="/calls">Calls</a>
      </p>
      <PageTitle>{`Call from ${call.from || 'a withheld number'} to ${call.to || call.blocks[0] || 'a building block'}`}</PageTitle>
      <dl class="kv">
        <dt>Started</dt>
        <dd>
          <Time iso={call.started_at} />
        </dd>
        <dt>Length</dt>
        <dd>{call.in_progress ? 'in progress' : duration(call.duration_s)}</dd>
        <dt>Ended by</dt>
        <dd>{call.end_reason ?? '–'}</dd>
        <dt>Went through</dt>
        <dd>
          <Blocks blocks={call.blocks} />
        </dd>
        <dt>Session id</dt>
        <dd>
          <code>{call.session_id}</code>
        </dd>
        {call.node ? (
          <>
            <dt>Node</dt>
            <dd>{call.node}</dd>
          </>
        ) : null}
        {call.pass_through ? (
          <>
            <dt>Pass-through</dt>
            <dd>
              <code>{call.pass_through}</code>
            </dd>
          </>
        ) : null}
      </dl>
      {call.sourcetrak ? (
        <details>
          <summary>
            SourceTrak: pool {call.sourcetrak.pool}, rank {call.sourcetrak.rank}
            {call.sourcetrak.erased ? ' (the visitor\'s details were erased after the retention period)' : ''}
          </summary>
          <ListTable caption="SourceTrak parameters" columns={['Parameter', 'Value']}>
            {call.sourcetrak.params.map((p) => (
              <tr key={p.name}>
                <th scope="row">
                  <code>{p.name}</code>
                </th>
                <td>{p.value}</td>
              </tr>
            ))}
          </ListTable>
        </details>
      ) : null}
      <h2>Timeline</h2>
      <ol class="timeline" aria-label="Timeline of the call">
        {call.timeline.map((item, i) => (
          <Item key={i} item={item} call={call} />
        ))}
      </ol>
      {call.interactions.length ? (
        <>
          <h2>Answers</h2>
          {call.interactions.map((it) => (
            <div key={it.response_id}>
              <h3>
                IVR {it.ivr_id} (response {it.response_id}){it.opted_out ? ', opted out' : it.completed ? '' : ', left early'}
              </h3>
              <ListTable columns={['Question', 'Type', 'Answer', 'Keys']}>
                {it.answers.map((a) => (
                  <tr key={a.question_no}>
                    <th scope="row">{a.question_no}</th>
                    <td>{a.question_type}</td>
                    <td>{a.value}</td>
                    <td>{a.keys ?? ''}</td>
                  </tr>
                ))}
              </ListTable>
            </div>
          ))}
        </>
      ) : null}
      {call.recordings.length ? (
        <>
          <h2>Recordings</h2>
          <ul class="recordings">
            {call.recordings.map((r) => (
              <li key={r.id}>
                {r.kind}
                {r.question_no !== null ? `, question ${r.question_no}` : ''}, {(r.duration_ms / 1000).toFixed(1)} s
                <Player url={r.audio_url} label={`Recording ${r.id} (${r.kind})`} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
