/** The nodes sharing the database, with the load each reported at its last heartbeat (GET /nodes). */
import { useEffect, useState } from 'preact/hooks';
import { ErrorText, Time } from './common';
import { describeError, request } from '../lib/api';
import { ListTable } from './list';
import type { NodeInfo } from '../lib/history';
import { useGet } from '../lib/use-get';

/** Heartbeats come every 2 s; reading every 5 s keeps the figures fresh without a request per beat. */
const REFRESH_MS = 5000;

/** A phone's jitter buffer hides about this much lateness; more is heard as gaps. */
const LATE_HEARD_MS = 40;

function useTicks(everyMs: number): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((x) => x + 1), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return n;
}

/** A lateness in ms, marked when a caller would hear it. */
function Late({ ms }: { ms: number | null | undefined }) {
  if (ms === null || ms === undefined) return <>–</>;
  return ms > LATE_HEARD_MS ? <span class="badge bad">{`${ms} ms`}</span> : <>{`${ms} ms`}</>;
}

function NodeRow({ n, forget }: { n: NodeInfo; forget: (n: NodeInfo) => void }) {
  const l = n.load;
  return (
    <tr>
      <th scope="row">
        {n.node_id}
        {n.this_node ? ' (this one)' : ''}
      </th>
      <td>
        {n.alive ? (
          'up'
        ) : (
          <>
            gone, last seen <Time iso={n.seen_at} />{' '}
            <button type="button" class="link" onClick={() => forget(n)} aria-label={`Forget node ${n.node_id}`}>
              Forget
            </button>
          </>
        )}
      </td>
      <td>{l ? (l.max_calls > 0 ? `${l.calls} of ${l.max_calls}` : l.calls) : '–'}</td>
      <td>
        <Late ms={l?.media_late_ms} />
      </td>
      <td>
        <Late ms={l?.loop_lag_ms} />
      </td>
      <td>{l ? l.refused : '–'}</td>
      <td>{l?.sip_udp_drops ?? '–'}</td>
      <td>{n.sip || '–'}</td>
      <td>
        <Time iso={n.started_at} />
      </td>
    </tr>
  );
}

export function NodesTable() {
  const ticks = useTicks(REFRESH_MS);
  const { data, error, reload } = useGet<{ items: NodeInfo[] }>('/nodes', { changes: ticks, keep: true });
  const [failed, setFailed] = useState<string | null>(null);
  // A node taken out of service for good; should it start again, its next heartbeat lists it again.
  const forget = async (n: NodeInfo): Promise<void> => {
    if (!window.confirm(`Forget node ${n.node_id}? Its calls stay in the history; if it starts again it is listed again.`)) return;
    try {
      await request('DELETE', `/nodes/${encodeURIComponent(n.node_id)}`);
      setFailed(null);
      reload();
    } catch (err) {
      setFailed(describeError(err));
    }
  };
  if (error) return <ErrorText>{error}</ErrorText>;
  if (!data) return <p>Reading the nodes…</p>;
  if (data.items.length === 0) return <p>No node has written its heartbeat yet.</p>;
  return (
    <>
      {failed ? <ErrorText>{failed}</ErrorText> : null}
      <ListTable caption="Nodes" columns={['Node', 'State', 'Calls', 'Audio late', 'Control backlog', 'Calls refused', 'SIP messages dropped', 'SIP', 'Started']}>
        {data.items.map((n) => (
          <NodeRow key={n.node_id} n={n} forget={(x) => void forget(x)} />
        ))}
      </ListTable>
    </>
  );
}
