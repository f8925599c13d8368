import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, one registry per app so that tests and parallel apps don't collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly callsTotal = new Counter({ name: 'hookline_calls_total', help: 'Calls started', labelNames: ['direction'], registers: [this.registry] });
  readonly callsActive = new Gauge({ name: 'hookline_calls_active', help: 'Calls in progress', registers: [this.registry] });
  readonly webhooksTotal = new Counter({
    name: 'hookline_webhook_requests_total',
    help: 'Webhook requests by kind and outcome (ok, or the failure code)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly webhookLatency = new Histogram({
    name: 'hookline_webhook_latency_seconds',
    help: 'Time from sending a webhook to its complete response',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly webhooksGivenUp = new Counter({
    name: 'hookline_webhook_deliveries_given_up_total',
    help: 'Durable deliveries (post-call actions, voicemail notifications, transcription post-backs) given up: retry window over, or a URL that cannot be sent to',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  /** The media clock's report, read once per scrape by mediaStreams' collect (registered first) for all four. */
  private media: (() => MediaReport) | undefined;
  private lastMedia: MediaReport | undefined;
  private skippedTotal = 0;
  readonly mediaStreams: Gauge;
  readonly mediaLatenessP99: Gauge;
  readonly mediaLatenessMax: Gauge;
  readonly mediaFramesSkipped: Counter;
  /** Every tick of the media clock, cumulative: any number of scrapers, any window (the gauges above reset per scrape). */
  readonly mediaLateness = new Histogram({
    name: 'hookline_media_lateness_seconds',
    help: 'How late each tick of the media clock sent its audio frames (about 0.001 s is on time; a phone hides up to about 0.04 s)',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.06, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  /** Read from the store when /metrics is scraped (one indexed count), so it is right across restarts. */
  readonly outboxPending: Gauge;
  private backlog: (() => Promise<number>) | undefined;
  /** The SIP guard's tallies, read when /metrics is scraped (the guard counts with plain numbers: a flood costs no label lookups). */
  readonly sipRefused: Counter;
  readonly sipLimit: Gauge;
  private sip: (() => SipGuardReport) | undefined;
  /** The SIP UDP socket's receive queue: its size, and what the kernel dropped when it was full (read per scrape). */
  readonly sipUdpBuffer: Gauge;
  readonly sipUdpDrops: Counter;
  private sipQueue: SipReceiveQueue | undefined;
  /** The native sender's thread (src/rtp/native-send.ts), read per scrape: its class, step-downs and CPU. */
  readonly rtpThreadRealtime: Gauge;
  readonly rtpThreadStepdowns: Counter;
  readonly rtpThreadCpu: Counter;
  private rtpThread: (() => RtpThreadReport) | undefined;

  constructor() {
    const sip = (): SipGuardReport | undefined => this.sip?.();
    this.sipRefused = new Counter({
      name: 'hookline_sip_refused_total',
      help: 'SIP traffic refused by reason (not_allowed: source outside HOOKLINE_SIP_ALLOW; scanner: a scanner user agent; message_rate, call_rate: over the per-source budget; tcp_per_source, tcp_total, tcp_slow_message, tcp_idle, tcp_too_large: TCP limits; new calls answered 503: max_calls at HOOKLINE_MAX_CALLS, overload while audio is later than HOOKLINE_OVERLOAD_LATE_MS, database while the database is away, draining during a shutdown) and by what was done (answered with 403 or 503, dropped, closed)',
      labelNames: ['reason', 'action'],
      registers: [this.registry],
      collect() {
        const r = sip();
        if (!r) return;
        this.reset();
        for (const { reason, action, count } of r.refusals) this.inc({ reason, action }, count);
      },
    });
    this.sipLimit = new Gauge({
      name: 'hookline_sip_limit',
      help: 'SIP limits in force, 0 = off: message and call rates and bursts per source (a second, at once), 403 answers per source, TCP connections per source and in all, TCP message and idle timeouts (seconds), TCP header and body sizes (bytes), incoming calls at once (max_calls), audio lateness that refuses new calls (overload_late_ms)',
      labelNames: ['limit'],
      registers: [this.registry],
      collect() {
        const r = sip();
        if (!r) return;
        for (const [limit, value] of Object.entries(r.limits)) this.set({ limit }, value);
      },
    });
    const queue = (): SipReceiveQueue | undefined => this.sipQueue;
    this.sipUdpBuffer = new Gauge({
      name: 'hookline_sip_udp_receive_buffer_bytes',
      help: 'Size of the SIP UDP socket\'s receive queue as the kernel reports it (Linux doubles what it grants; HOOKLINE_SIP_UDP_BUFFER asks, net.core.rmem_max caps)',
      registers: [this.registry],
      collect() {
        const q = queue();
        if (q) this.set(q.bytes);
      },
    });
    this.sipUdpDrops = new Counter({
      name: 'hookline_sip_udp_receive_drops_total',
      help: 'SIP datagrams the kernel dropped because the SIP UDP socket\'s receive queue was full (the server was behind), by socket; absent where the system does not tell (not Linux)',
      labelNames: ['socket'],
      registers: [this.registry],
      async collect() {
        const q = queue();
        const drops = await q?.drops().catch(() => undefined);
        if (!q || drops === undefined) return;
        this.reset();
        this.inc({ socket: q.socket }, drops);
      },
    });
    const media = (): MediaReport | undefined => {
      const r = this.media?.();
      if (r) this.skippedTotal += r.skipped;
      this.lastMedia = r;
      return r;
    };
    const lastMedia = (): MediaReport | undefined => this.lastMedia;
    const skipped = (): number => this.skippedTotal;
    this.mediaStreams = new Gauge({
      name: 'hookline_media_streams',
      help: 'Calls and legs whose audio the media clock sends now',
      registers: [this.registry],
      collect() {
        const r = media();
        if (r) this.set(r.streams);
      },
    });
    /** A lateness gauge set from the report mediaStreams' collect read for this scrape. */
    const lateness = (name: string, help: string, ms: (r: MediaReport) => number): Gauge =>
      new Gauge({
        name,
        help: `How late the media clock sent audio frames since the previous scrape, ${help}`,
        registers: [this.registry],
        collect() {
          const r = lastMedia();
          if (r) this.set(ms(r) / 1000);
        },
      });
    this.mediaLatenessP99 = lateness('hookline_media_lateness_p99_seconds', '99th percentile (0.001 s is on time; a phone hides up to about 0.04 s)', (r) => r.lateP99Ms);
    this.mediaLatenessMax = lateness('hookline_media_lateness_max_seconds', 'at most', (r) => r.lateMaxMs);
    this.mediaFramesSkipped = new Counter({
      name: 'hookline_media_frames_skipped_total',
      help: 'Audio frames the media clock dropped because it was too far behind to catch up (an overloaded core)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(skipped());
      },
    });
    const thread = (): RtpThreadReport | undefined => this.rtpThread?.();
    this.rtpThreadRealtime = new Gauge({
      name: 'hookline_rtp_thread_realtime',
      help: 'Whether the thread that sends RTP runs in the real-time class now (1) or not (0: not allowed, turned off, or stepped down over HOOKLINE_RTP_THREAD_REALTIME)',
      registers: [this.registry],
      collect() {
        const r = thread();
        if (r) this.set(r.realtime ? 1 : 0);
      },
    });
    /** A counter set to a total the thread keeps. */
    const total = (name: string, help: string, value: (r: RtpThreadReport) => number): Counter =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const r = thread();
          if (!r) return;
          this.reset();
          this.inc(value(r));
        },
      });
    this.rtpThreadStepdowns = total('hookline_rtp_thread_stepdowns_total', 'Times the thread that sends RTP left the real-time class because it used more of a core than HOOKLINE_RTP_THREAD_REALTIME allows (the audio then shares the core with SIP and webhooks)', (r) => r.stepdowns);
    this.rtpThreadCpu = total('hookline_rtp_thread_cpu_seconds_total', 'CPU time of the thread that sends RTP (part of process_cpu_seconds_total)', (r) => r.cpuSeconds);
    const source = (): (() => Promise<number>) | undefined => this.backlog;
    this.outboxPending = new Gauge({
      name: 'hookline_outbox_pending',
      help: 'Durable deliveries waiting for their first try or a retry',
      registers: [this.registry],
      async collect() {
        const count = source();
        if (!count) return;
        try {
          this.set(await count());
        } catch {
          // The last value stands: a scrape must not fail because the store is busy or closing.
        }
      },
    });
  }

  /** Where hookline_sip_refused_total and hookline_sip_limit come from (the SIP server's guard). */
  watchSip(report: () => SipGuardReport): void {
    this.sip = report;
  }

  /** Where the hookline_sip_udp_receive_* metrics come from (the SIP UDP transport). */
  watchSipReceiveQueue(q: SipReceiveQueue): void {
    this.sipQueue = q;
  }

  /**
   * Adds the process's own metrics under their usual names (process_resident_memory_bytes,
   * process_cpu_seconds_total, nodejs_eventloop_lag_p99_seconds, nodejs_gc_duration_seconds, heap sizes):
   * what tells an operator a node is near its limit before callers hear it. Only the server calls this:
   * the event-loop monitor it starts runs for the life of the process, which tests building many apps
   * should not collect.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Where the hookline_media_* metrics come from: the media clock's figures since the previous call
   * (the caller resets them after reading, so that each scrape covers the time since the last).
   */
  watchMedia(report: () => MediaReport): void {
    this.media = report;
  }

  /** Where the hookline_rtp_thread_* metrics come from (the native sender's thread, when it runs). */
  watchRtpThread(report: () => RtpThreadReport): void {
    this.rtpThread = report;
  }

  /** Where hookline_outbox_pending comes from (the outbox worker's store). */
  countOutboxWith(count: () => Promise<number>): void {
    this.backlog = count;
  }
}

/** What the SIP server's guard reports (src/sip/guard.ts), in plain data: lib knows nothing of SIP. */
export interface SipGuardReport {
  refusals: ReadonlyArray<{ reason: string; action: string; count: number }>;
  limits: Readonly<Record<string, number>>;
}

/** The SIP UDP socket's receive queue (src/sip/transport.ts ReceiveQueue), as lib sees it. */
export interface SipReceiveQueue {
  /** address:port, the drops' label. */
  readonly socket: string;
  readonly bytes: number;
  drops(): Promise<number | undefined>;
}

/** The media clock's figures since the previous report (src/media/pacer.ts stats), in plain data. */
export interface MediaReport {
  streams: number;
  /** Frames dropped since the previous report. */
  skipped: number;
  lateP99Ms: number;
  lateMaxMs: number;
}

/** The native sender's thread (src/rtp/native-send.ts rtpThreadReport), in plain data. */
export interface RtpThreadReport {
  realtime: boolean;
  stepdowns: number;
  cpuSeconds: number;
}
