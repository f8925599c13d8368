/** Calls in progress, kept current from GET /calls/events (Server-Sent Events) without reloading. */
import { useEffect, useState } from 'preact/hooks';
import { API_BASE } from './api';
import { applyLiveEvent, type LiveCall } from './history';

export interface LiveState {
  calls: LiveCall[];
  /** The last change in words, for an aria-live region. */
  news: string;
  connected: boolean;
  /** Bumped on every start and end, so a page can refresh what depends on them. */
  changes: number;
}

const EVENTS = ['snapshot', 'call.started', 'call.updated', 'call.ended'];

export function useLiveCalls(): LiveState {
  const [state, setState] = useState<LiveState>({ calls: [], news: '', connected: false, changes: 0 });
  useEffect(() => {
    const es = new EventSource(`${API_BASE}/calls/events`);
    const on = (name: string) => (m: MessageEvent) => {
      const data = JSON.parse(m.data as string) as LiveCall;
      setState((s) => ({
        calls: applyLiveEvent(s.calls, name, data),
        connected: true,
        news:
          name === 'call.started'
            ? `Call from ${data.from || 'a withheld number'} to ${data.to} started`
            : name === 'call.ended'
              ? `Call from ${data.from || 'a withheld number'} to ${data.to} ended${data.end_reason ? ` (${data.end_reason})` : ''}`
              : s.news,
        changes: name === 'call.started' || name === 'call.ended' ? s.changes + 1 : s.changes,
      }));
    };
    for (const name of EVENTS) es.addEventListener(name, on(name));
    // Connected once the snapshot (the first event) is in, not when the stream opens: the server answers
    // before it subscribes, and a call that starts in between arrives in the snapshot, not as news.
    es.onerror = () => setState((s) => ({ ...s, connected: false }));
    return () => es.close();
  }, []);
  return state;
}
