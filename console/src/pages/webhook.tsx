/** One webhook request, and Replay: the stored request sent again, with the new answer shown. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorText, Loading, PageTitle } from '../components/common';
import { WebhookDetails } from '../components/webhook-view';
import { describeError, request } from '../lib/api';
import type { Webhook } from '../lib/history';
import { useGet } from '../lib/use-get';

export function WebhookPage({ id }: { id: string }) {
  const { data: w, error } = useGet<Webhook>(`/webhooks/${id}`, { notFound: 'No such request in the log.' });
  const [replay, setReplay] = useState<Webhook | null>(null);
  const [replaying, setReplaying] = useState(false);
  const [replayError, setReplayError] = useState<string | null>(null);
  const result = useRef<HTMLElement>(null);

  useEffect(() => setReplay(null), [id]);

  useEffect(() => {
    if (replay || replayError) result.current?.focus();
  }, [replay, replayError]);

  const send = async (): Promise<void> => {
    setReplaying(true);
    setReplayError(null);
    try {
      setReplay((await request<Webhook>('POST', `/webhooks/${id}/replay`)).data);
    } catch (err) {
      setReplayError(describeError(err));
    } finally {
      setReplaying(false);
    }
  };

  if (error)
    return (
      <>
        <PageTitle>Webhook request</PageTitle>
        <ErrorText>{error}</ErrorText>
      </>
    );
  if (!w) return <Loading what="the request" />;
  return (
    <>
      <p class="crumbs">
        <a href="/webhooks">Webhook log</a>
      </p>
      <PageTitle>{`Webhook request ${w.id}`}</PageTitle>
      <WebhookDetails w={w} headingLevel={2} />
      <div class="actions">
        <button type="button" class="primary" disabled={replaying} onClick={() => void send()}>
          {replaying ? 'Sending…' : 'Replay'}
        </button>
        <span class="hint">Sends the same method, URL and parameters again, under today's timeout, network policy and secret.</span>
      </div>
      {replayError ? (
        <p class="banner error" role="alert" tabIndex={-1} ref={result as never}>
          The replay was not sent: {replayError}
        </p>
      ) : null}
      {replay ? (
        <section class="replay" aria-labelledby="replay-title" tabIndex={-1} ref={result}>
          <h2 id="replay-title">
            Replay: <a href={`/webhooks/${replay.id}`}>request {replay.id}</a>
          </h2>
          <p role="status">
            {replay.failure ? `The replay failed: ${replay.failure}` : `The server answered ${replay.status ?? 'nothing'}${replay.latency_ms !== null ? ` in ${replay.latency_ms} ms` : ''}.`}
          </p>
          <WebhookDetails w={replay} />
        </section>
      ) : null}
    </>
  );
}
