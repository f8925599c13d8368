import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

describe('Metrics: the SIP guard', () => {
  it('exports the refusals as counters and the limits as gauges, read at each scrape', async () => {
    const m = new Metrics();
    let refusals = [{ reason: 'scanner', action: 'dropped', count: 3 }];
    m.watchSip(() => ({ refusals, limits: { call_rate_per_source: 10, tcp_idle_timeout_seconds: 300 } }));
    let text = await m.registry.metrics();
    expect(text).toContain('hookline_sip_refused_total{reason="scanner",action="dropped"} 3');
    expect(text).toContain('hookline_sip_limit{limit="call_rate_per_source"} 10');
    expect(text).toContain('hookline_sip_limit{limit="tcp_idle_timeout_seconds"} 300');
    refusals = [{ reason: 'scanner', action: 'dropped', count: 5 }, { reason: 'not_allowed', action: 'answered', count: 1 }];
    text = await m.registry.metrics();
    expect(text).toContain('hookline_sip_refused_total{reason="scanner",action="dropped"} 5');
    expect(text).toContain('hookline_sip_refused_total{reason="not_allowed",action="answered"} 1');
  });

  it('has the metric, with no samples, before a SIP server is watched', async () => {
    const text = await new Metrics().registry.metrics();
    expect(text).toContain('# TYPE hookline_sip_refused_total counter');
    expect(text).not.toContain('hookline_sip_refused_total{');
  });
});

describe('Metrics: the media clock', () => {
  it('reads the media clock once per scrape: streams and lateness since the last scrape, dropped frames added up', async () => {
    const m = new Metrics();
    const reports = [
      { streams: 300, skipped: 4, lateP99Ms: 3.5, lateMaxMs: 41 },
      { streams: 280, skipped: 0, lateP99Ms: 1.2, lateMaxMs: 2.5 },
    ];
    let reads = 0;
    m.watchMedia(() => reports[reads++]!);
    let text = await m.registry.metrics();
    expect(reads).toBe(1);
    expect(text).toContain('hookline_media_streams 300');
    expect(text).toContain('hookline_media_lateness_p99_seconds 0.0035');
    expect(text).toContain('hookline_media_lateness_max_seconds 0.041');
    expect(text).toContain('hookline_media_frames_skipped_total 4');
    text = await m.registry.metrics();
    expect(reads).toBe(2);
    expect(text).toContain('hookline_media_streams 280');
    expect(text).toContain('hookline_media_lateness_max_seconds 0.0025');
    expect(text).toContain('hookline_media_frames_skipped_total 4');
  });
});

describe('Metrics: the SIP UDP receive queue', () => {
  it('exports its size and what the kernel dropped, read at each scrape', async () => {
    const m = new Metrics();
    let drops: number | undefined = 0;
    m.watchSipReceiveQueue({ socket: '127.0.0.1:5060', bytes: 8_388_608, drops: () => Promise.resolve(drops) });
    let text = await m.registry.metrics();
    expect(text).toContain('hookline_sip_udp_receive_buffer_bytes 8388608');
    expect(text).toContain('hookline_sip_udp_receive_drops_total{socket="127.0.0.1:5060"} 0');
    drops = 37;
    text = await m.registry.metrics();
    expect(text).toContain('hookline_sip_udp_receive_drops_total{socket="127.0.0.1:5060"} 37');
  });

  it('leaves the drops out where the system does not tell, and a failed read does not fail the scrape', async () => {
    const m = new Metrics();
    m.watchSipReceiveQueue({ socket: '[::1]:5060', bytes: 425_984, drops: () => Promise.resolve(undefined) });
    expect(await m.registry.metrics()).not.toMatch(/^hookline_sip_udp_receive_drops_total\{/m);
    const n = new Metrics();
    n.watchSipReceiveQueue({ socket: '[::1]:5060', bytes: 425_984, drops: () => Promise.reject(new Error('EACCES')) });
    const text = await n.registry.metrics();
    expect(text).toContain('hookline_sip_udp_receive_buffer_bytes 425984');
    expect(text).not.toMatch(/^hookline_sip_udp_receive_drops_total\{/m);
  });
});

describe('Metrics: the media clock lateness histogram', () => {
  it('counts every observation, so that any scraper and any window sees the same', async () => {
    const m = new Metrics();
    for (const s of [0.0004, 0.0009, 0.003, 0.05]) m.mediaLateness.observe(s);
    const text = await m.registry.metrics();
    expect(text).toContain('hookline_media_lateness_seconds_bucket{le="0.001"} 2');
    expect(text).toContain('hookline_media_lateness_seconds_bucket{le="0.005"} 3');
    expect(text).toContain('hookline_media_lateness_seconds_bucket{le="0.04"} 3');
    expect(text).toContain('hookline_media_lateness_seconds_bucket{le="0.06"} 4');
    expect(text).toContain('hookline_media_lateness_seconds_count 4');
    // A second scrape reads the same: nothing is reset.
    expect(await m.registry.metrics()).toContain('hookline_media_lateness_seconds_count 4');
  });
});

describe('Metrics: the RTP thread', () => {
  it('exports its class, step-downs and CPU as the thread reports them at each scrape (0 without one)', async () => {
    const m = new Metrics();
    expect(await m.registry.metrics()).toContain('hookline_rtp_thread_realtime 0');
    let report = { realtime: true, stepdowns: 0, cpuSeconds: 1.25 };
    m.watchRtpThread(() => report);
    let text = await m.registry.metrics();
    expect(text).toContain('hookline_rtp_thread_realtime 1');
    expect(text).toContain('hookline_rtp_thread_stepdowns_total 0');
    expect(text).toContain('hookline_rtp_thread_cpu_seconds_total 1.25');
    report = { realtime: false, stepdowns: 2, cpuSeconds: 9.5 };
    text = await m.registry.metrics();
    expect(text).toContain('hookline_rtp_thread_realtime 0');
    expect(text).toContain('hookline_rtp_thread_stepdowns_total 2');
    expect(text).toContain('hookline_rtp_thread_cpu_seconds_total 9.5');
  });
});
