/** The webhook log: every request hookline sent, newest first, with filters and pages. */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle, Time } from '../components/common';
import { FormContext, SelectField, TextField } from '../components/fields';
import { ListTable, ListView, Pager } from '../components/list';
import { WebhookOutcome } from '../components/webhook-view';
import { query } from '../lib/api';
import type { WebhookSummary } from '../lib/history';
import { usePaged } from '../lib/use-get';

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
  const applied = { kind: q['kind'] ?? '', failed: q['failed'] ?? '', session_id: q['session_id'] ?? '' };
  const [form, setForm] = useState(applied);
  const list = usePaged<WebhookSummary>((cursor) => `/webhooks${query({ ...applied, cursor, limit: 25 })}`);

  const search = (e: Event): void => {
    e.preventDefault();
    list.first();
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
      <ListView items={list.data?.items} error={list.error} what="the webhook log" empty="No requests match.">
        {(items) => (
          <ListTable caption="Webhook requests, newest first" columns={['Sent', 'Kind', 'Request', 'Outcome', 'Call']}>
            {items.map((w) => (
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
          </ListTable>
        )}
      </ListView>
      <Pager list={list} />
    </>
  );
}
