/**
 * What the captures say about a load step.
 *
 * Media (the server's RTP range): every stream the server sends, packet by packet, with the kernel's send
 * timestamp. Send jitter is computed two ways, as bench/rtp-sink.ts does for its receiver:
 *  - interval deviation: |arrival interval − media interval| for consecutive packets of a stream, where the
 *    media interval is the RTP timestamp step (20 ms, or 40 ms across a lost packet);
 *  - RFC 3550 interarrival jitter (§6.4.1, A.8): J += (|D| − J) / 16 per stream, D the difference of
 *    transit times of consecutive packets.
 * Both over the full-load window: from the moment the most streams are up until the first of them ends,
 * so that ramp-up and tear-down (fewer calls) do not dilute the figure.
 * The keys the callers send (RFC 4733 packets into the server's range) are taken from the same capture.
 *
 * Signalling (SIP and the webhook's TCP): INVITE and 200 OK times per Call-ID, the server's RTP port of
 * each caller (the SDP of its 200 OK), and when each caller's webhook request was on the wire.
 */
import { forEachPacket } from './capture.js';
import { quantiles, round, type Quantiles } from './stats.js';

export interface JitterFigures {
  streams: number;
  packets: number;
  interval_deviation_ms: Quantiles;
  /**
   * RFC 3550 J per stream. `median_stream`/`worst_stream`: J at the end of the window, as rtp-sink.ts
   * reports it (it depends on how recent the last disturbance was); `mean_*`: J averaged over the window,
   * what the receiver's reports (RTCP RR) would have carried on average.
   */
  rfc3550_jitter_ms: { median_stream: number; worst_stream: number; mean_median_stream: number; mean_worst_stream: number };
}

export interface MediaAnalysis {
  /** Streams the server sent (SSRC and port). */
  streams: number;
  /** Most streams up at once, and the window during which that many were up (s). */
  window: { streams: number; seconds: number };
  jitter: JitterFigures;
  /** The same over the whole step (ramp-up and tear-down included). */
  jitterWholeStep: JitterFigures;
  /** The core canary's packets (bench/core-canary.ts) over the same window, when it ran. */
  canary?: JitterFigures;
  /** Per server RTP port: capture times (µs) of the first packet of each RFC 4733 event (a new timestamp).
   * Every port of the range counts here, not only `only`'s: a short call's key is as much a key. */
  keyStarts: Map<number, number[]>;
  /** When the last of the streams started (µs, capture clock): every call was up from then on. */
  allUpUs: number;
  /** Every stream: source port, SSRC, first and last packet (s from the first packet of the capture), packets. */
  list: Array<{ port: number; ssrc: string; first_s: number; last_s: number; packets: number }>;
}

interface Stream {
  port: number;
  ssrc: number;
  t: number[];
  ts: number[];
}

export async function analyzeMedia(
  file: string,
  range: { min: number; max: number },
  eventPt = 101,
  canaryPort?: number,
  /** The server's own RTP ports (from its SDP), when known: anything else in the range is ignored. */
  only?: Set<number>,
): Promise<MediaAnalysis> {
  const ours = (port: number): boolean => port >= range.min && port <= range.max && port % 2 === 0 && (!only || only.has(port));
  const canary: Stream = { port: canaryPort ?? 0, ssrc: 0, t: [], ts: [] };
  const streams = new Map<string, Stream>();
  const keyStarts = new Map<number, number[]>();
  const lastEventTs = new Map<number, number>();
  await forEachPacket(file, (tUs, proto, src, dst, p) => {
    if (proto !== 'udp' || p.length < 12 || ((p[0] as number) >> 6) !== 2) return;
    const pt = (p[1] as number) & 0x7f;
    if (src === canaryPort) {
      canary.t.push(tUs);
      canary.ts.push(p.readUInt32BE(4));
    } else if (ours(src) && (pt === 0 || pt === 8)) {
      const key = `${src}:${p.readUInt32BE(8)}`;
      let s = streams.get(key);
      if (!s) streams.set(key, (s = { port: src, ssrc: p.readUInt32BE(8), t: [], ts: [] }));
      s.t.push(tUs);
      s.ts.push(p.readUInt32BE(4));
    } else if (dst >= range.min && dst <= range.max && pt === eventPt) {
      const ts = p.readUInt32BE(4);
      if (lastEventTs.get(dst) === ts) return;
      lastEventTs.set(dst, ts);
      let k = keyStarts.get(dst);
      if (!k) keyStarts.set(dst, (k = []));
      k.push(tUs);
    }
  });
  const all = [...streams.values()].filter((s) => s.t.length > 1);
  const w = fullLoadWindow(all);
  const t0 = Math.min(...all.map((s) => s.t[0] as number));
  return {
    list: all.map((s) => ({ port: s.port, ssrc: s.ssrc.toString(16), first_s: round(((s.t[0] as number) - t0) / 1e6, 3), last_s: round(((s.t.at(-1) as number) - t0) / 1e6, 3), packets: s.t.length })),
    streams: all.length,
    window: { streams: w.streams, seconds: round((w.end - w.start) / 1e6, 2) },
    jitter: jitterOf(all, w.start, w.end),
    jitterWholeStep: jitterOf(all, -Infinity, Infinity),
    ...(canary.t.length > 1 ? { canary: jitterOf([canary], w.start, w.end) } : {}),
    keyStarts,
    allUpUs: Math.max(...all.map((s) => s.t[0] as number)),
  };
}

/**
 * The full-load window: from the moment at least 90 % of the most streams ever up at once are up, until
 * the count first drops below that again (a stray extra stream must not shrink it to an instant).
 */
function fullLoadWindow(streams: Stream[]): { start: number; end: number; streams: number } {
  const edges: Array<[number, number]> = [];
  for (const s of streams) edges.push([s.t[0] as number, 1], [s.t[s.t.length - 1] as number, -1]);
  edges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let up = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (up += d));
  const threshold = Math.ceil(most * 0.9);
  up = 0;
  let start = NaN;
  for (const [t, d] of edges) {
    up += d;
    if (Number.isNaN(start) && up >= threshold) start = t;
    else if (!Number.isNaN(start) && up < threshold) return { start, end: t, streams: most };
  }
  return { start: Number.isNaN(start) ? 0 : start, end: edges.at(-1)?.[0] ?? 0, streams: most };
}

function jitterOf(streams: Stream[], from: number, to: number): JitterFigures {
  const devs: number[] = [];
  const jitters: number[] = [];
  const means: number[] = [];
  let packets = 0;
  let used = 0;
  for (const s of streams) {
    let j = 0;
    let sum = 0;
    let n = 0;
    for (let i = 1; i < s.t.length; i++) {
      const t0 = s.t[i - 1] as number;
      const t1 = s.t[i] as number;
      if (t0 < from || t1 > to) continue;
      const mediaMs = (((s.ts[i] as number) - (s.ts[i - 1] as number)) >>> 0) / 8;
      if (mediaMs <= 0 || mediaMs > 1000) continue; // a new timeline (re-INVITE) is not jitter
      const d = (t1 - t0) / 1000 - mediaMs;
      devs.push(Math.abs(d));
      j += (Math.abs(d) - j) / 16;
      sum += j;
      n++;
    }
    packets += n;
    if (n > 0) {
      jitters.push(j);
      means.push(sum / n);
      used++;
    }
  }
  jitters.sort((a, b) => a - b);
  means.sort((a, b) => a - b);
  return {
    streams: used,
    packets,
    interval_deviation_ms: quantiles(devs),
    rfc3550_jitter_ms: {
      median_stream: round(jitters[Math.floor(jitters.length / 2)] ?? NaN),
      worst_stream: round(jitters.at(-1) ?? NaN),
      mean_median_stream: round(means[Math.floor(means.length / 2)] ?? NaN),
      mean_worst_stream: round(means.at(-1) ?? NaN),
    },
  };
}

export interface SignallingAnalysis {
  /** Caller id (From user) → the server's RTP port, from the SDP of the server's 200 OK to the INVITE. */
  serverPortOf: Map<string, number>;
  /** Per Call-ID: first INVITE and first 200 OK to it (µs), for the setup time. */
  setups: Map<string, { invite?: number; ok?: number }>;
  /** Caller id → when the webhook request carrying `ivr_caller_id=<id>` was on the wire (µs). */
  webhookAt: Map<string, number>;
  /** INVITE and 200-to-INVITE datagrams, retransmissions included, against Call-IDs. */
  counts: { invites: number; oks: number; call_ids: number };
}

export async function analyzeSignalling(file: string, o: { sipPort: number; hookPort?: number }): Promise<SignallingAnalysis> {
  const serverPortOf = new Map<string, number>();
  const setups = new Map<string, { invite?: number; ok?: number }>();
  const webhookAt = new Map<string, number>();
  const counts = { invites: 0, oks: 0, call_ids: 0 };
  await forEachPacket(file, (tUs, proto, src, dst, p) => {
    if (proto === 'tcp') {
      if (dst !== o.hookPort || p.length === 0) return;
      const m = /(?:^|&)ivr_caller_id=(\d+)/.exec(p.toString('latin1'));
      if (m && !webhookAt.has(m[1] as string)) webhookAt.set(m[1] as string, tUs);
      return;
    }
    if (src !== o.sipPort && dst !== o.sipPort) return;
    const text = p.toString('latin1');
    const callId = /^(?:Call-ID|i)\s*:\s*(\S+)/im.exec(text)?.[1];
    const cseq = /^CSeq\s*:\s*\d+\s+(\w+)/im.exec(text)?.[1];
    if (!callId || cseq !== 'INVITE') return;
    let s = setups.get(callId);
    if (!s) setups.set(callId, (s = {}));
    if (dst === o.sipPort && text.startsWith('INVITE ')) {
      counts.invites++;
      s.invite ??= tUs;
    }
    if (src === o.sipPort && text.startsWith('SIP/2.0 200')) {
      counts.oks++;
      s.ok ??= tUs;
      const from = /^(?:From|f)\s*:[^\r\n]*sips?:(\+?\d+)@/im.exec(text)?.[1];
      const port = /^m=audio (\d+)/m.exec(text)?.[1];
      if (from && port) serverPortOf.set(from, Number(port));
    }
  });
  counts.call_ids = setups.size;
  return { serverPortOf, setups, webhookAt, counts };
}

/**
 * Time from a caller's last key to its webhook on the wire (ms), for each of `callers` whose webhook and
 * keys were both seen, with the time of that key (µs). The key is the last one before the webhook: a port
 * the server gave out again to a later call has that call's keys after it.
 */
export function webhookAfterKey(callers: Iterable<string>, s: SignallingAnalysis, keyStarts: ReadonlyMap<number, number[]>): Array<{ keyUs: number; ms: number }> {
  const out: Array<{ keyUs: number; ms: number }> = [];
  for (const caller of callers) {
    const at = s.webhookAt.get(caller);
    const port = s.serverPortOf.get(caller);
    const keys = port === undefined ? undefined : keyStarts.get(port);
    if (at === undefined || !keys) continue;
    const key = keys.filter((k) => k < at).at(-1);
    if (key !== undefined) out.push({ keyUs: key, ms: (at - key) / 1000 });
  }
  return out;
}

/** INVITE → 200 OK times (ms) and the sustained rate of 200 OKs (per s) from a signalling analysis. */
export function setupFigures(a: SignallingAnalysis): { answered: number; setup_ms: Quantiles; ok_per_s: number } {
  const ms: number[] = [];
  const oks: number[] = [];
  for (const s of a.setups.values()) {
    if (s.invite !== undefined && s.ok !== undefined) ms.push((s.ok - s.invite) / 1000);
    if (s.ok !== undefined) oks.push(s.ok);
  }
  oks.sort((x, y) => x - y);
  const span = oks.length > 1 ? ((oks.at(-1) as number) - (oks[0] as number)) / 1e6 : NaN;
  return { answered: oks.length, setup_ms: quantiles(ms), ok_per_s: round((oks.length - 1) / span, 1) };
}
