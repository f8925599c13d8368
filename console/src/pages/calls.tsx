/**
 * Calls: those in progress, kept current from the event stream, and the history with filters (time
 * range, number, caller, building block, end reason) and pages read with the server's cursor. The
 * filters live in the address, so a filtered list can be bookmarked and Back returns to it.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle, Time } from '../components/common';
import { Blocks, LiveTable, severalNodes } from '../components/call-bits';
import { FormContext, TextField } from '../components/fields';
import { ListTable, ListView, Pager } from '../components/list';
import { query } from '../lib/api';
import { blockChoices, useConfig } from '../lib/config';
import { duration, END_REASONS, type CallSummary } from '../lib/history';
import { useLiveCalls } from '../lib/live';
import { usePaged } from '../lib/use-get';

const FILTERS = ['since', 'until', 'number', 'caller', 'block', 'end_reason'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** `datetime-local` holds local time without a zone; the API wants ISO 8601 UTC. */
const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

export function CallsPage() {
  const { query: q, route } = useLocation();
  const { config } = useConfig();
  const live = useLiveCalls();
  const initial = Object.fromEntries(FILTERS.map((f) => [f, q[f] ?? ''])) as Filters;
  const [form, setForm] = useState<Filters>(initial);
  // A call starting or ending changes the first page.
  const list = usePaged<CallSummary>((cursor) => `/calls${query({ ...initial, since: toIso(initial.since), until: toIso(initial.until), cursor, limit: 25 })}`, live.changes);

  const search = (e: Event): void => {
    e.preventDefault();
    list.first();
    route(`/calls${query(form)}`, true);
  };
  const set = (k: keyof Filters) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  return (
    <>
      <PageTitle>Calls</PageTitle>
      <section aria-labelledby="live-title">
        <h2 id="live-title">
          In progress <span class="badge">{live.calls.length}</span>
        </h2>
        <p class="visually-hidden" role="status" aria-live="polite">
          {live.news}
        </p>
        {live.connected ? null : <p class="hint">Connecting to the live feed…</p>}
        <LiveTable calls={live.calls} />
      </section>
      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <FormContext.Provider value={{ errors: {}, readOnly: false }}>
          <form class="filters" onSubmit={search} aria-label="Filter calls">
            <TextField path="since" label="From" type="datetime-local" value={form.since} onValue={set('since')} />
            <TextField path="until" label="Until" type="datetime-local" value={form.until} onValue={set('until')} />
            <TextField path="number" label="Number dialed" inputMode="tel" value={form.number} onValue={set('number')} />
            <TextField path="caller" label="Caller id" inputMode="tel" value={form.caller} onValue={set('caller')} />
            <TextField path="block" label="Building block" placeholder="ivr/10" list="block-refs" value={form.block} onValue={set('block')} />
            <TextField path="end_reason" label="End reason" list="end-reasons" value={form.end_reason} onValue={set('end_reason')} />
            <datalist id="block-refs">
              {blockChoices(config).map((b) => (
                <option key={b.value} value={b.value}>
                  {b.label}
                </option>
              ))}
            </datalist>
            <datalist id="end-reasons">
              {END_REASONS.map((r) => (
                <option key={r} value={r} />
              ))}
            </datalist>
            <div class="actions">
              <button type="submit" class="primary">
                Search
              </button>
              <button
                type="button"
                onClick={() => {
                  setForm(Object.fromEntries(FILTERS.map((f) => [f, ''])) as Filters);
                  list.first();
                  route('/calls', true);
                }}
              >
                Clear
              </button>
            </div>
          </form>
        </FormContext.Provider>
        <ListView items={list.data?.items} error={list.error} what="calls" empty="No calls match.">
          {(items) => (
            <ListTable caption="Calls, newest first" columns={['Started', 'Caller', 'Number', 'Went through', 'Length', 'Ended by', ...(severalNodes(items) ? ['Node'] : [])]}>
              {items.map((c) => (
                <tr key={c.session_id}>
                  <th scope="row">
                    <a href={`/calls/${c.session_id}`} aria-label={`Call from ${c.from || 'withheld'} at ${new Date(c.started_at).toLocaleString()}: timeline`}>
                      <Time iso={c.started_at} />
                    </a>
                  </th>
                  <td>{c.from || 'withheld'}</td>
                  <td>{c.to}</td>
                  <td>
                    <Blocks blocks={c.blocks} />
                  </td>
                  <td>{duration(c.duration_s)}</td>
                  <td>{c.in_progress ? <span class="badge ok">in progress</span> : (c.end_reason ?? '–')}</td>
                  {severalNodes(items) ? <td>{c.node ?? '–'}</td> : null}
                </tr>
              ))}
            </ListTable>
          )}
        </ListView>
        <Pager list={list} />
      </section>
    </>
  );
}
