/** The webhook log: every request hookline sent, newest first, with filters and pages. */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorText, Loading, PageTitle, Time } from '../components/common';
import { FormContext, SelectField, TextField } from '../components/fields';
import { WebhookOutcome } from '../components/webhook-view';
import { describeError, get, query } from '../lib/api';
import type { WebhookSummary } from '../lib/history';
import type { Page } from '../lib/types';

const KINDS = [
  { value: '', label: 'Every kind' },
  { value: 'ivr', label: 'IVR webhooks' },
  { value: 'transcription', label: 'Transcription post-backs' },
  { value: 'post_call', label: 'Post-call actions' },
  { value: 'voicemail', label: 'Voicemail notifications' },
];
const OUTCOMES = [
  { value: '', label: 'Any outcome' },
  { value: 'true', label: 'Failed only' },
  { value: 'false', label: 'Succeeded only' },
];

export function WebhooksPage() {
  const { query: q, route } = useLocation();
  const [form, setForm] = useState({ kind: q['kind'] ?? '', failed: q['failed'] ?? '', session_id: q['session_id'] ?? '' });
  const [page, setPage] = useState<Page<WebhookSummary> | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const applied = JSON.stringify({ kind: q['kind'] ?? '', failed: q['failed'] ?? '', session_id: q['session_id'] ?? '' });
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const ctl = new AbortController();
    setError(null);
    get<Page<WebhookSummary>>(`/webhooks${query({ ...(JSON.parse(applied) as Record<string, string>), cursor, limit: 25 })}`, ctl.signal).then(setPage, (err: unknown) => {
      if ((err as Error).name !== 'AbortError') setError(describeError(err));
    });
    return () => ctl.abort();
  }, [applied, cursor]);

  const search = (e: Event): void => {
    e.preventDefault();
    setCursors([]);
    route(`/webhooks${query(form)}`, true);
  };

  return (
    <>
      <PageTitle>Webhook log</PageTitle>
      <FormContext.Provider value={{ errors: {}, readOnly: false }}>
        <form class="filters" onSubmit={search} aria-label="Filter the webhook log">
          <SelectField path="kind" label="Kind" value={form.kind} choices={KINDS} onValue={(v) => setForm((f) => ({ ...f, kind: v }))} />
          <SelectField path="failed" label="Outcome" value={form.failed} choices={OUTCOMES} onValue={(v) => setForm((f) => ({ ...f, failed: v }))} />
          <TextField path="session_id" label="Call (session id)" spellcheck={false} value={form.session_id} onValue={(v) => setForm((f) => ({ ...f, session_id: v.trim() }))} />
          <div class="actions">
            <button type="submit" class="primary">
              Search
            </button>
          </div>
        </form>
      </FormContext.Provider>
      {error ? <ErrorText>{error}</ErrorText> : null}
      {!page && !error ? <Loading what="the webhook log" /> : null}
      {page && page.items.length === 0 ? <p>No requests match.</p> : null}
      {page && page.items.length ? (
        <div class="table-wrap">
          <table class="list">
            <caption class="visually-hidden">Webhook requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Sent</th>
                <th scope="col">Kind</th>
                <th scope="col">Request</th>
                <th scope="col">Outcome</th>
                <th scope="col">Call</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((w) => (
                <tr key={w.id}>
                  <th scope="row">
                    <a href={`/webhooks/${w.id}`} aria-label={`Request ${w.id}: details and replay`}>
                      <Time iso={w.sent_at} />
                    </a>
                  </th>
                  <td>
                    {w.kind}
                    {w.replay_of !== null ? ' (replay)' : ''}
                  </td>
                  <td class="summary">
                    <code>
                      {w.method} {w.url}
                    </code>
                  </td>
                  <td>
                    <WebhookOutcome w={w} />
                  </td>
                  <td>{w.session_id ? <a href={`/calls/${w.session_id}`}>timeline</a> : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div class="actions">
        {cursors.length ? (
          <button type="button" onClick={() => setCursors([])}>
            First page
          </button>
        ) : null}
        {page?.next_cursor ? (
          <button type="button" onClick={() => setCursors((c) => [...c, page.next_cursor as string])}>
            Next page
          </button>
        ) : null}
      </div>
    </>
  );
}
