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
