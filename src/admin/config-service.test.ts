import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { SimulatedCall, type SimEvent } from '../calls/simulator.js';
import { parseFlows } from '../config/flows.js';
import { FakeClock, systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { ConfigService } from './config-service.js';
import { exportYaml } from './config-export.js';
import { AdminError } from './errors.js';

const FILE = `
numbers: { "8005550100": ivr/10 }
ivrs:
  - { id: 10, questions: [{ type: say, prompt: "File greeting." }] }
`;

const ivr = (text: string): unknown => ({ questions: [{ type: 'say', prompt: text }, { type: 'keypad', prompt: `Enter digits for ${text}`, timeout_s: 1 }] });

async function expectAdminError(p: Promise<unknown>, code: string): Promise<AdminError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AdminError);
  expect((err as AdminError).code).toBe(code);
  return err as AdminError;
}

describe('ConfigService', () => {
  let store: Store;
  beforeEach(async () => (store = await createSqliteStore(':memory:')));
  afterEach(() => store.close());

  const open = (file = FILE): Promise<ConfigService> => ConfigService.open({ file: parseFlows(file, 'flows.yaml'), repo: store.config, logger: silentLogger });

  it('gives a call the configuration of its start, and new calls the changed one', async () => {
    const config = await open();
    await config.write('ivr', '20', ivr('Version one.'), { mode: 'put' }, 'test');
    await config.write('number', '8005550120', { to: 'ivr/20' }, { mode: 'put' }, 'test');
    const app = createApp({ settings: { dataDir: '/tmp/hookline-unused', dialAllow: [], webhookNetworks: 'all' }, flows: () => config.current(), store, clock: systemClock, logger: silentLogger });

    const prompts = (events: SimEvent[]): string[] => events.flatMap((e) => (e.type === 'prompt' ? [e.text] : []));
    const started: SimEvent[] = [];
    // ',' waits one second of the simulated caller: the change lands while the call is in its keypad question.
    const first = new SimulatedCall({ sessionId: 'a'.repeat(32), from: '1', to: '8005550120', keys: ',', clock: systemClock, writeRecording: async () => undefined, onEvent: (e) => started.push(e) });
    const running = app.runCall(first);
    await new Promise((r) => setTimeout(r, 200));
    await config.write('ivr', '20', ivr('Version two.'), { mode: 'put' }, 'test');
    await running;
    // The keypad question is asked again after its timeout, after the change: still version one's.
    expect(prompts(started)).toEqual(['Version one.', 'Enter digits for Version one.', 'Enter digits for Version one.']);

    const later: SimEvent[] = [];
    await app.runCall(new SimulatedCall({ sessionId: 'b'.repeat(32), from: '1', to: '8005550120', keys: '', clock: systemClock, writeRecording: async () => undefined, onEvent: (e) => later.push(e) }));
    expect(prompts(later)[0]).toBe('Version two.');
  });

  it('stops a second process from overwriting a change it has not seen', async () => {
    const a = await open();
    const b = await open();
    await a.write('ivr', '20', ivr('A'), { mode: 'put' }, 'a');
    // b still believes IVR 20 does not exist: its create must not replace a's.
    await expectAdminError(b.write('ivr', '20', ivr('B'), { mode: 'put' }, 'b'), 'precondition_failed');
    const fresh = await open();
    expect(fresh.current().ivrs.get(20)?.questions[0]).toEqual({ type: 'say', prompt: [{ text: 'A' }] });
  });

  it('keeps serving when the file changes under API items: the items at fault are left out, with the reason', async () => {
    const config = await open();
    await config.write('vr', '3', { prompt: 'Press 1', options: { '1': 'ivr/10' } }, { mode: 'put' }, 'test');
    await config.write('number', '8005550103', { to: 'vr/3' }, { mode: 'put' }, 'test');
    await config.write('ivr', '11', ivr('API eleven'), { mode: 'put' }, 'test');

    // The file drops IVR 10 (which VR 3 refers to) and now defines IVR 11 itself.
    config.reloadFile(parseFlows('ivrs: [{ id: 11, questions: [{ type: say, prompt: "File eleven." }] }]', 'flows.yaml'));
    const status = config.status();
    expect(status.disabled.map((d) => `${d.kind}/${d.key}`).sort()).toEqual(['ivr/11', 'number/8005550103', 'vr/3']);
    expect(status.disabled.find((d) => d.kind === 'ivr')?.reason).toContain('the file\'s is the one used');
    expect(status.disabled.find((d) => d.kind === 'vr')?.reason).toBe('vrs[id=3].options.1: ivr/10 does not exist: no IVR with id 10 in the configuration');
    expect(config.current().ivrs.get(11)?.questions[0]).toEqual({ type: 'say', prompt: [{ text: 'File eleven.' }] });

    // The same happens at the next start; and once the file has IVR 10 again, everything comes back.
    const restarted = await ConfigService.open({ file: parseFlows('ivrs: [{ id: 10, questions: [{ type: say, prompt: x }] }]', 'flows.yaml'), repo: store.config, logger: silentLogger });
    expect(restarted.status().disabled).toEqual([]);
    expect(restarted.current().numbers.get('8005550103')).toEqual({ kind: 'vr', id: 3 });
  });

  it('exports a file that loads back to the same configuration', async () => {
    const config = await open();
    await config.write('ivr', '20', { name: 'Orders', ...(ivr('Hello') as object), webhook: { url: 'http://127.0.0.1:9/h', parameters: [{ name: 'd', value: 'question.2' }] } }, { mode: 'put' }, 'test');
    await config.write('number', '+18005550120', { to: 'ivr/20', label: 'Orders' }, { mode: 'put' }, 'test');
    await config.write('post_call_action', '4', { url: 'http://crm.test/x', applies_to: ['+18005550120'] }, { mode: 'put' }, 'test');
    const yaml = exportYaml(config);
    const reloaded = parseFlows(yaml, 'exported.yaml');
    const { file: _a, ...want } = config.current();
    const { file: _b, ...got } = reloaded;
    expect(got).toEqual(want);
    // And served from an empty store, the export is the whole configuration on its own.
    const other = await createSqliteStore(':memory:');
    try {
      const alone = await ConfigService.open({ file: reloaded, repo: other.config, logger: silentLogger });
      expect(exportYaml(alone).split('\n').slice(2)).toEqual(yaml.split('\n').slice(2));
    } finally {
      await other.close();
    }
  });

  it('takes in another node\'s change on refresh, and only then', async () => {
    const a = await open();
    const b = await open();
    const changes: number[] = [];
    b.onChange(() => changes.push(b.status().revision));
    expect(await b.refresh()).toBe(false);
    await a.write('ivr', '20', ivr('From A.'), { mode: 'put' }, 'a');
    expect(b.current().ivrs.has(20)).toBe(false); // not before it asks
    expect(await b.refresh()).toBe(true);
    expect(b.current().ivrs.get(20)?.questions[0]).toMatchObject({ prompt: [{ text: 'From A.' }] });
    expect(await b.refresh()).toBe(false);
    // b's own write, read back by its next refresh, is no change; a's copy is stale until it refreshes.
    await b.write('ivr', '20', ivr('From B.'), { mode: 'put' }, 'b');
    expect(await b.refresh()).toBe(false);
    expect(changes).toHaveLength(2);
    expect(await a.refresh()).toBe(true);
    await a.remove('ivr', '20', undefined, 'a'); // with b's body: the compare-and-swap holds
    expect(await b.refresh()).toBe(true);
    expect(b.current().ivrs.has(20)).toBe(false);
  });

  it('watches the store on a timer until stopped', async () => {
    const clock = new FakeClock();
    const a = await open();
    const b = await open();
    const stop = b.watch({ everyMs: 2000, setTimer: (ms, fn) => clock.setTimer(ms, fn) });
    await a.write('ivr', '21', ivr('Watched.'), { mode: 'put' }, 'a');
    clock.advance(1999);
    await new Promise((r) => setTimeout(r, 20));
    expect(b.current().ivrs.has(21)).toBe(false);
    clock.advance(1);
    for (let i = 0; i < 100 && !b.current().ivrs.has(21); i++) await new Promise((r) => setTimeout(r, 5));
    expect(b.current().ivrs.has(21)).toBe(true);
    stop();
    await a.write('ivr', '22', ivr('Unseen.'), { mode: 'put' }, 'a');
    clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(b.current().ivrs.has(22)).toBe(false);
  });
});
