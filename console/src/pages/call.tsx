/**
 * One call: who called, where it went, and its timeline (prompts, keys, webhook requests and what came
 * back, transitions, recordings, each with its time from the start), with a player for each recording.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorText, Loading, PageTitle, Time } from '../components/common';
import { Blocks } from '../components/call-bits';
import { WebhookDetails, WebhookOutcome } from '../components/webhook-view';
import { ApiError, describeError, get } from '../lib/api';
import { duration, type CallDetail, type Recording, type TimelineItem } from '../lib/history';

function Player({ r, label }: { r: Pick<Recording, 'audio_url' | 'duration_ms'>; label: string }) {
  return (
    <div class="player">
      {/* Recordings are the caller's own words: there is no text to caption them with. */}
      {/* eslint-disable-next-line jsx-a11y/media-has-caption */}
      <audio controls preload="none" src={r.audio_url} aria-label={label} />
      <a href={r.audio_url} download>
        Download WAV
      </a>
    </div>
  );
}

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
      {item.type === 'recording_saved' && typeof d['audio_url'] === 'string' ? <Player r={{ audio_url: d['audio_url'], duration_ms: Number(d['duration_ms']) }} label={`Recording at ${(item.offset_ms / 1000).toFixed(1)} s`} /> : null}
    </li>
  );
}

export function CallPage({ sessionId }: { sessionId: string }) {
  const [call, setCall] = useState<CallDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    setCall(null);
    get<CallDetail>(`/calls/${sessionId}`, ctl.signal).then(setCall, (err: unknown) => {
      if ((err as Error).name === 'AbortError') return;
      setError(err instanceof ApiError && err.status === 404 ? 'No call with this session id.' : describeError(err));
    });
    return () => ctl.abort();
  }, [sessionId]);

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
        {call.pass_through ? (
          <>
            <dt>Pass-through</dt>
            <dd>
              <code>{call.pass_through}</code>
            </dd>
          </>
        ) : null}
      </dl>
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
              <div class="table-wrap">
                <table class="list">
                  <thead>
                    <tr>
                      <th scope="col">Question</th>
                      <th scope="col">Type</th>
                      <th scope="col">Answer</th>
                      <th scope="col">Keys</th>
                    </tr>
                  </thead>
                  <tbody>
                    {it.answers.map((a) => (
                      <tr key={a.question_no}>
                        <th scope="row">{a.question_no}</th>
                        <td>{a.question_type}</td>
                        <td>{a.value}</td>
                        <td>{a.keys ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
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
                <Player r={r} label={`Recording ${r.id} (${r.kind})`} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
