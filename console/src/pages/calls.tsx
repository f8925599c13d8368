/**
 * Calls: those in progress, kept current from the event stream, and the history with filters (time
 * range, number, caller, building block, end reason) and pages read with the server's cursor. The
 * filters live in the address, so a filtered list can be bookmarked and Back returns to it.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorText, Loading, PageTitle, Time } from '../components/common';
import { Blocks, LiveTable } from '../components/call-bits';
import { FormContext, TextField } from '../components/fields';
import { describeError, get, query } from '../lib/api';
import { blockChoices, useConfig } from '../lib/config';
import { duration, END_REASONS, type CallSummary } from '../lib/history';
import { useLiveCalls } from '../lib/live';
import type { Page } from '../lib/types';

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
  const [page, setPage] = useState<Page<CallSummary> | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const applied = JSON.stringify(initial);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const ctl = new AbortController();
    const f = JSON.parse(applied) as Filters;
    setError(null);
    get<Page<CallSummary>>(`/calls${query({ ...f, since: toIso(f.since), until: toIso(f.until), cursor, limit: 25 })}`, ctl.signal).then(setPage, (err: unknown) => {
      if ((err as Error).name !== 'AbortError') setError(describeError(err));
    });
    return () => ctl.abort();
    // A call starting or ending changes the first page; later pages stay as they are while read.
  }, [applied, cursor, cursor === undefined ? live.changes : 0]);

  const search = (e: Event): void => {
    e.preventDefault();
    setCursors([]);
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
                  setCursors([]);
                  route('/calls', true);
                }}
              >
                Clear
              </button>
            </div>
          </form>
        </FormContext.Provider>
        {error ? <ErrorText>{error}</ErrorText> : null}
        {!page && !error ? <Loading what="calls" /> : null}
        {page && page.items.length === 0 ? <p>No calls match.</p> : null}
        {page && page.items.length ? (
          <div class="table-wrap">
            <table class="list">
              <caption class="visually-hidden">Calls, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Caller</th>
                  <th scope="col">Number</th>
                  <th scope="col">Went through</th>
                  <th scope="col">Length</th>
                  <th scope="col">Ended by</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((c) => (
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
      </section>
    </>
  );
}
