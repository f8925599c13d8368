import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { WebhookReceiver, paramsOf, type Reply, type ReceivedRequest } from '../src/testkit/webhook-receiver.js';
import { spawn } from 'node:child_process';
import { ROOT, events, runCli, tempDir, writeFlows } from './helpers.js';
import { createSqliteStore } from '../src/store/sqlite.js';

const AUTOMATIC = [
  'ivr_number_called', 'ivr_caller_id', 'ivr_id', 'ivr_response_id', 'ivr_timestamp', 'ivr_pass_through',
  'ivr_call_result', 'ivr_completed', 'ivr_session_id', 'ivr_monitored_time', 'ivr_opted_out',
];

const SEED_SURVO_75 =
  '<action><app>SurVo</app><parameters><id>75</id><user_parameters><firstName>Bill</firstName>' +
  '<lastName>Johnson</lastName></user_parameters><p_t>user_id|12345||step|call_user</p_t></parameters></action>';

function flowsYaml(hook: string, o: { action?: string; timeout?: number } = {}): string {
  return `
timezone: America/New_York
numbers:
  "8005550100": ivr/10
  "8005550101": ivr/20
ivrs:
  - id: 10
    name: Account lookup
    opt_out_key: "*"
    questions:
      - type: say
        prompt: "Welcome."
      - type: keypad
        prompt: "Enter your account number, then press pound."
        min_digits: 4
        max_digits: 10
        timeout_s: 1
      - type: menu
        prompt: "For sales press 1. For support press 2."
        options: { "1": sales, "2": support }
        timeout_s: 1
    webhook:
      action: ${o.action ?? 'next_action'}
      method: POST
      url: ${hook}/hook?source=ivr10
      parameters:
        - { name: account, value: question.2 }
        - { name: dept, value: question.3 }
        - { name: caller, value: call.caller_id }
      timeout_s: ${o.timeout ?? 5}
  - id: 75
    name: Greeting
    questions:
      - type: say
        prompt: "Hello @firstName @lastName."
      - type: keypad
        prompt: "Enter your PIN."
        min_digits: 4
        max_digits: 4
        timeout_s: 1
    webhook:
      method: GET
      url: ${hook}/hook?source=ivr75
      parameters:
        - { name: pin, value: question.2 }
        - { name: first, value: user.firstName }
  - id: 20
    name: Voice form
    questions:
      - type: recorded
        prompt: "Tell us how we can help."
        max_seconds: 10
    webhook:
      url: ${hook}/hook?source=ivr20
`;
}

describe('hookline simulate against a real webhook receiver', () => {
  const receiver = new WebhookReceiver();
  let hook: string;
  let dir: string;
  const handle = (fn: (r: ReceivedRequest) => Reply): void => receiver.setHandler(fn);

  beforeAll(async () => {
    hook = (await receiver.start()).replace(/\/$/, '');
  });
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    receiver.requests.length = 0;
    dir = await tempDir();
  });

  async function sim(keys: string, o: { to?: string; yaml?: string; extra?: string[] } = {}) {
    const flows = await writeFlows(dir, o.yaml ?? flowsYaml(hook));
    const r = await runCli(['simulate', '--flows', flows, '--data-dir', path.join(dir, 'data'), '--to', o.to ?? '8005550100', '--from', '3125550199', '--keys', keys, '--json', ...(o.extra ?? [])]);
    expect(r.stderr).not.toMatch(/Error|at .*\.js/);
    expect(r.status).toBe(0);
    return { ...r, ev: events(r.stdout) };
  }

  it("runs the seed's example: account lookup, then SurVo 75 with user parameters and pass-through", async () => {
    handle((r) => (r.query.some(([k, v]) => k === 'source' && v === 'ivr10') ? { body: SEED_SURVO_75 } : { body: '<action><app>hangup</app></action>' }));
    const { ev } = await sim('12345#2 9876');
    const [first, second] = await receiver.waitFor(2);
    // POST: static parameters stay in the URL, the form carries the automatic ones first, in order.
    expect(first!.method).toBe('POST');
    expect(first!.url).toBe('/hook?source=ivr10');
    expect(first!.form.map(([k]) => k)).toEqual([...AUTOMATIC, 'account', 'dept', 'caller']);
    const p1 = paramsOf(first!);
    expect(p1.get('ivr_number_called')).toBe('8005550100');
    expect(p1.get('ivr_caller_id')).toBe('3125550199');
    expect(p1.get('ivr_id')).toBe('10');
    expect(p1.get('ivr_response_id')).toMatch(/^[1-9][0-9]*$/);
    expect(p1.get('ivr_timestamp')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/);
    expect(p1.get('ivr_pass_through')).toBe('');
    expect(p1.get('ivr_call_result')).toBe('');
    expect(p1.get('ivr_completed')).toBe('1');
    expect(p1.get('ivr_session_id')).toMatch(/^[0-9a-f]{32}$/);
    expect(p1.get('ivr_monitored_time')).toBe('0');
    expect(p1.get('ivr_opted_out')).toBe('0');
    expect(p1.get('account')).toBe('12345');
    expect(p1.get('dept')).toBe('support');
    expect(p1.get('caller')).toBe('3125550199');
    expect(first!.headers['user-agent']).toMatch(/^hookline\/\d+\.\d+\.\d+$/);

    // The second IVR greets with the user parameters and reports the pass-through, by GET.
    expect(ev.some((e) => e.type === 'prompt' && e.text === 'Hello Bill Johnson.')).toBe(true);
    expect(second!.method).toBe('GET');
    expect(second!.query.map(([k]) => k)).toEqual(['source', ...AUTOMATIC, 'pin', 'first']);
    const p2 = paramsOf(second!);
    expect(p2.get('ivr_pass_through')).toBe('user_id|12345||step|call_user');
    expect(p2.get('ivr_session_id')).toBe(p1.get('ivr_session_id'));
    expect(p2.get('ivr_id')).toBe('75');
    expect(Number(p2.get('ivr_response_id'))).not.toBe(Number(p1.get('ivr_response_id')));
    expect(p2.get('pin')).toBe('9876');
    expect(p2.get('first')).toBe('Bill');
    expect(ev.filter((e) => e.type === 'transition').map((e) => e.to)).toEqual(['ivr/10', 'ivr/75']);
    expect(ev.at(-1)).toMatchObject({ type: 'hangup', by: 'hookline' });
  });

  it('runs a dynamic Find Me from the response: simultaneous legs, the loser cancelled, recorded bridge', async () => {
    handle(() => ({
      body: '<action><app>findme</app><parameters><phone_list>3125550101|3125550102</phone_list><simultaneous>2</simultaneous>' +
        '<screen_method>1</screen_method><whisper_phrase>Call from Radio Ad</whisper_phrase><record>1</record></parameters></action>',
    }));
    const { ev } = await sim('12345#1', { extra: ['--far-end', '3125550101=no_answer,3125550102=answer@1:1'] });
    expect(ev.filter((e) => e.type === 'ringing').map((e) => e.destination)).toEqual(['3125550101', '3125550102']);
    expect(ev).toContainEqual(expect.objectContaining({ type: 'prompt', leg: '3125550102', text: 'Call from Radio Ad' }));
    expect(ev).toContainEqual(expect.objectContaining({ type: 'cancel', destination: '3125550101' }));
    const bridge = ev.find((e) => e.type === 'bridge');
    expect(bridge).toMatchObject({ destination: '3125550102' });
    expect(bridge!.recordedMs).toBeGreaterThan(0);
    expect(ev.filter((e) => e.type === 'prompt' && e.text === 'This call may be recorded.').length).toBe(2);
  });

  it('reads a read_text response (HTML reduced to text) and hangs up', async () => {
    handle(() => ({ contentType: 'text/html', body: '<html><head><style>p{}</style></head><body><p>Your balance is <b>$12.50</b>.</p>&amp; thanks</body></html>' }));
    const { ev } = await sim('12345#1', { yaml: flowsYaml(hook, { action: 'read_text' }) });
    expect(ev).toContainEqual(expect.objectContaining({ type: 'prompt', text: 'Your balance is $12.50. & thanks' }));
    expect(ev.at(-1)).toMatchObject({ type: 'hangup', by: 'hookline' });
  });

  it('sends ivr_opted_out=1 when the caller presses the opt-out key', async () => {
    handle(() => ({ body: '<action><app>hangup</app></action>' }));
    await sim('*');
    const [r] = await receiver.waitFor(1);
    const p = paramsOf(r!);
    expect(p.get('ivr_opted_out')).toBe('1');
    expect(p.get('ivr_completed')).toBe('0');
    expect(p.get('account')).toBe('');
  });

  it('sends the answers so far when the caller hangs up part-way', async () => {
    handle(() => ({ body: SEED_SURVO_75 }));
    const { ev } = await sim('12345#');
    const [r] = await receiver.waitFor(1);
    const p = paramsOf(r!);
    expect(p.get('ivr_completed')).toBe('0');
    expect(p.get('account')).toBe('12345');
    expect(p.get('dept')).toBe('');
    // The response is read and logged but there is no call left to act on.
    expect(ev.filter((e) => e.type === 'transition')).toHaveLength(1);
    expect(ev).toContainEqual(expect.objectContaining({ type: 'hangup', by: 'caller' }));
  });

  it('re-prompts a keypad question on too few digits, twice, then moves on', async () => {
    handle(() => ({ body: '<action><app>hangup</app></action>' }));
    const { ev } = await sim('1#2#3#1');
    const asks = ev.filter((e) => e.type === 'prompt' && e.text === 'Enter your account number, then press pound.');
    expect(asks).toHaveLength(3);
    const p = paramsOf((await receiver.waitFor(1))[0]!);
    expect(p.get('account')).toBe('');
    expect(p.get('dept')).toBe('sales');
    expect(p.get('ivr_completed')).toBe('1');
  });

  it('records a recorded question and stores it', async () => {
    handle(() => ({ body: '<action><app>hangup</app></action>' }));
    const { ev } = await sim(',,#', { to: '8005550101' });
    const rec = ev.find((e) => e.type === 'recording');
    expect(rec).toMatchObject({ durationMs: 2000 });
    const store = await createSqliteStore(path.join(dir, 'data', 'hookline.db'));
    try {
      const calls = await store.calls.list(10);
      expect(calls).toHaveLength(1);
      const recs = await store.recordings.forSession(calls[0]!.sessionId);
      expect(recs).toMatchObject([{ kind: 'question', durationMs: 2000, questionNo: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('sends each post-call action once after the call, with the call placeholders', async () => {
    handle((r) => (r.path === '/postcall' ? { status: 200, body: 'ok' } : { body: '<action><app>hangup</app></action>' }));
    const yaml = flowsYaml(hook) + `
post_call_actions:
  - url: ${hook}/postcall?static=1
    applies_to: ["8005550100"]
    parameters:
      - { name: sid, value: call.session_id }
      - { name: how, value: call.end_reason }
      - { name: secs, value: call.duration }
      - { name: acct, value: ivr.10.question.2 }
`;
    await sim('12345#1', { yaml });
    const posts = receiver.requests.filter((r) => r.path === '/postcall');
    expect(posts).toHaveLength(1);
    const ivr = receiver.requests.find((r) => r.path === '/hook')!;
    expect(posts[0]!.method).toBe('GET');
    expect(posts[0]!.query.map(([k]) => k)).toEqual(['static', 'sid', 'how', 'secs', 'acct']);
    const p = new Map(posts[0]!.query);
    expect(p.get('sid')).toBe(paramsOf(ivr).get('ivr_session_id'));
    expect(p.get('acct')).toBe('12345');
    expect(p.get('how')).toBe('webhook_hangup');
    expect(p.get('secs')).toMatch(/^[0-9]+$/);
  });

  it('stores a voicemail message and sends its notification once', async () => {
    handle(() => ({ status: 200, body: '' }));
    const yaml = `
timezone: UTC
numbers: { "8005550144": voicemail/7 }
voicemails:
  - { id: 7, greeting: "Leave a message.", max_seconds: 60, notify_url: "${hook}/voicemail" }
`;
    const { ev } = await sim(',,#', { to: '8005550144', yaml });
    expect(ev).toContainEqual(expect.objectContaining({ type: 'recording', durationMs: 2000 }));
    const [n] = await receiver.waitFor(1);
    expect(receiver.requests).toHaveLength(1);
    expect(n!.method).toBe('POST');
    const p = paramsOf(n!);
    expect(p.get('voicemail_id')).toBe('7');
    expect(p.get('caller_id')).toBe('3125550199');
    expect(p.get('duration')).toBe('2');
    expect(p.get('recording')).toMatch(/^recordings\/voicemail\/7\/[0-9a-f]{32}-\d+\.wav$/);
    expect(p.get('timestamp')).toMatch(/\+00:00$/);
  });

  describe('webhook failures go to the failure prompt within the timeout, and the log says why', () => {
    const failure = 'We are sorry, we are unable to complete your call at this time. Goodbye.';
    it.each<[string, Reply, RegExp]>([
      ['timeout', 'hang', /timed out|timeout/i],
      ['HTTP 500', { status: 500, body: 'oops' }, /500/],
      ['garbage', { body: 'this is not xml <<<' }, /xml|parse/i],
      ['empty body', { body: '' }, /empty|xml|action/i],
      ['unknown app', { body: '<action><app>teleport</app></action>' }, /unknown app|teleport/i],
      ['an id that names nothing', { body: '<action><app>SurVo</app><parameters><id>999</id></parameters></action>' }, /999/],
    ])('%s', async (_name, reply, reason) => {
      handle(() => reply);
      const run = await sim('12345#1', { yaml: flowsYaml(hook, { timeout: 1 }) });
      expect(run.ev).toContainEqual(expect.objectContaining({ type: 'prompt', text: failure }));
      expect(run.ms).toBeLessThan(1000 /* timeout */ + 4000 /* process start and the IVR's own prompts */);
      const store = await createSqliteStore(path.join(dir, 'data', 'hookline.db'));
      try {
        const [entry] = await store.webhooks.recent(1);
        expect(entry!.failure).toMatch(reason);
      } finally {
        await store.close();
      }
    });
  });
});

describe('the demo flows', () => {
  it('run on their own: simulate serves the demo webhook the /demo/hook paths name, no server needed', async () => {
    const dir = await tempDir();
    const r = await runCli(['simulate', '--flows', 'examples/demo-flows.yaml', '--data-dir', dir, '--to', '8005550100', '--keys', '12345#11', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ev = events(r.stdout);
    expect(ev.filter((e) => e.type === 'webhook_request').map((e) => e.url)).toEqual(['/demo/hook?step=lookup', '/demo/hook?step=route']);
    expect(ev.filter((e) => e.type === 'webhook_response').map((e) => e.status)).toEqual([200, 200]);
    expect(ev).toContainEqual(expect.objectContaining({ type: 'prompt', text: 'Your balance is 42.17 dollars. Thank you for calling Demo Bank. Goodbye.' }));
    // The post-call actions (paths too) went to the same in-process webhook before simulate returned.
    const store = await createSqliteStore(path.join(dir, 'hookline.db'));
    try {
      const sent = (await store.webhooks.recent(10)).filter((w) => w.kind === 'post_call');
      expect(sent.map((w) => [new URL(w.url).pathname + new URL(w.url).search.replace(/&.*/, ''), w.status]).sort()).toEqual([
        ['/demo/hook?step=postcall', 200],
        ['/demo/hook?step=postcall_support', 200],
      ]);
      expect(sent.every((w) => w.url.startsWith('http://127.0.0.1:'))).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('a reader that closes the pipe early (simulate --json | head -2)', () => {
  it('ends the simulation quietly with status 0', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/hookline.js'), 'simulate', '--flows', 'examples/demo-flows.yaml', '--data-dir', dir, '--to', '8005550100', '--keys', '12345#11', '--json'], {
      cwd: ROOT,
      env: { ...process.env, HOOKLINE_LOG_LEVEL: 'warn' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Read two lines as `head -2` does, then close our end: the next write gets EPIPE.
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.split('\n').length > 2) {
          child.stdout.destroy();
          resolve();
        }
      });
    });
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(events(seen.split('\n').slice(0, 2).join('\n'))[0]).toMatchObject({ type: 'answered' });
  });
});

describe('a bad flows file', () => {
  it('is one line naming file, line and key, and exit status 2', async () => {
    const dir = await tempDir();
    const file = await writeFlows(dir, 'ivrs:\n  - id: 1\n    name: x\n    questions:\n      - type: keypad\n        prompt: hi\n        max_digits: ten\n');
    const r = await runCli(['simulate', '--flows', file, '--to', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file}:7`);
    expect(r.stderr).toContain('ivrs[0].questions[0].max_digits');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('indented with tabs is one line too: the first error and the other lines with tabs', async () => {
    const r = await runCli(['simulate', '--flows', 'examples/bad/tabs.yaml', '--to', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('hookline: examples/bad/tabs.yaml:9: Tabs are not allowed as indentation (indent with spaces); the same on lines 10-13\n');
  });
});
