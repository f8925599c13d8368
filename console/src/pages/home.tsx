/** Home: calls in progress (live), and calls and webhook failures over the last day. */
import { ErrorText, PageTitle } from '../components/common';
import { LiveTable } from '../components/call-bits';
import { NodesTable } from '../components/nodes-table';
import { query } from '../lib/api';
import type { Stats } from '../lib/history';
import { useLiveCalls } from '../lib/live';
import { useGet } from '../lib/use-get';

function Bars({ perHour }: { perHour: Stats['calls']['per_hour'] }) {
  const max = Math.max(1, ...perHour.map((h) => h.calls));
  const w = 12;
  return (
    <svg class="bars" viewBox={`0 0 ${perHour.length * w} 60`} role="img" aria-label={`Calls per hour over the last day, at most ${max} in an hour`} preserveAspectRatio="none">
      {perHour.map((h, i) => (
        <rect key={h.hour} x={i * w + 1} y={60 - (h.calls / max) * 58} width={w - 2} height={(h.calls / max) * 58}>
          <title>{`${new Date(h.hour).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${h.calls} calls`}</title>
        </rect>
      ))}
    </svg>
  );
}

export function HomePage() {
  const live = useLiveCalls();
  const { data: stats, error } = useGet<Stats>('/stats', { changes: live.changes });

  const since = stats ? query({ since: stats.window.since }) : '';
  return (
    <>
      <PageTitle>Home</PageTitle>
      <p class="visually-hidden" role="status" aria-live="polite">
        {live.news}
      </p>
      <ul class="stats">
        <li>
          <span class="n">{live.connected ? live.calls.length : (stats?.calls_in_progress ?? '–')}</span> calls in progress
        </li>
        <li>
          <span class="n">{stats?.calls.total ?? '–'}</span> <a href={`/calls${since}`}>calls in the last 24 hours</a>
        </li>
        <li>
          <span class="n">{stats?.webhooks.requests ?? '–'}</span> webhook requests in the last 24 hours
        </li>
        <li>
          <span class="n">{stats?.webhooks.failures ?? '–'}</span> <a href="/webhooks?failed=true">webhook failures</a>
        </li>
      </ul>
      {error ? <ErrorText>{error}</ErrorText> : null}
      <h2>In progress</h2>
      <LiveTable calls={live.calls} />
      <h2>Nodes</h2>
      <NodesTable />
      {stats ? (
        <>
          <h2>The last 24 hours</h2>
          <Bars perHour={stats.calls.per_hour} />
          {stats.calls.by_end_reason.length ? (
            <>
              <h3>How calls ended</h3>
              <ul>
                {stats.calls.by_end_reason.map((r) => (
                  <li key={r.end_reason ?? 'none'}>
                    <a href={`/calls${query({ since: stats.window.since, end_reason: r.end_reason ?? undefined })}`}>{r.end_reason ?? 'still in progress'}</a>: {r.calls}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {stats.webhooks.by_kind.length ? (
            <>
              <h3>Webhook requests by kind</h3>
              <ul>
                {stats.webhooks.by_kind.map((k) => (
                  <li key={k.kind}>
                    {k.kind}: {k.requests} sent, {k.failures} failed
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
      <h2>Get started</h2>
      <ul>
        <li>
          <a href="/flow">See the call flow</a>, or make an <a href="/ivrs/new">IVR</a> and a <a href="/numbers/new">number</a> that reaches it.
        </li>
        <li>
          <a href="/test">Place a test call</a> from this browser: read the prompts, press keys, watch the webhook exchange.
        </li>
      </ul>
    </>
  );
}
