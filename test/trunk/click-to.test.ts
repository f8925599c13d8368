import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';
import { tempDir } from '../helpers.js';
import { SCENARIOS, ci, freeUdpPort, hasSipp, startHookline, startSipp, type Hookline } from './harness.js';

/**
 * Click-to-SurVo (the Call Initiation API's `cts`): hookline places the call through the trunk (SIPp's
 * far end, far-end.xml) and runs the IVR on it. The IVR's webhook carries the p_t and user parameters
 * of the API request and `ivr_call_result`; an unanswered call still sends it once. With
 * HOOKLINE_MAX_CALLS=1 a placed call holds the node's one place until it ends: a request meanwhile is
 * answered 503, and the tests after it could not place theirs if the place were not given back.
 */
const FLOWS = (hook: string) => `
ivrs:
  - id: 10
    questions: [{ type: say, prompt: "Hello @name, this is a reminder." }]
    webhook:
      method: POST
      url: ${hook}/hook
      parameters: [{ name: who, value: user.name }]
`;

describe.skipIf(!hasSipp && !ci)('Click-to-SurVo through the trunk', () => {
  let hookline: Hookline;
  let farPort: number;
  let dir: string;
  const receiver = new WebhookReceiver(() => ({ body: '<action><app>hangup</app></action>' }));

  beforeAll(async () => {
    if (!hasSipp) return;
    dir = await tempDir('hookline-clickto-');
    const hook = (await receiver.start()).replace(/\/$/, '');
    farPort = await freeUdpPort();
    hookline = await startHookline({
      flowsYaml: FLOWS(hook), dir, trunk: `sip:127.0.0.1:${farPort};transport=udp`, rtpPorts: '19300-19399', env: { HOOKLINE_API_KEY: 'k3y', HOOKLINE_MAX_CALLS: '1' },
    });
  }, 30_000);

  afterAll(async () => {
    expect(await hookline?.stop()).toBe(0);
    await receiver.stop();
  });

  it('sipp is installed', () => expect(hasSipp).toBe(true));

  const clickToResponse = (number: string) =>
    fetch(`http://127.0.0.1:${hookline.httpPort}/click_to_xyz.php?${new URLSearchParams({
      app: 'cts', key: 'k3y', phone_to_call: number, survo_id: '10', first_callerid: '8005550100',
      p_t: 'user_id|12345||step|remind', user_parameters: 'name|Bill',
    })}`);
  const clickTo = (number: string) => clickToResponse(number).then((r) => r.text());

  it('places the call, answers "Call Connected.", and the IVR webhook carries p_t, user parameters and the call result', async () => {
    receiver.requests.length = 0;
    const messages = path.join(dir, 'far-answer.log');
    const far = startSipp(['-sf', path.join(SCENARIOS, 'far-end.xml'), '-i', '127.0.0.1', '-p', String(farPort), '-mp', String(19290), '-m', '1', '-trace_msg', '-message_file', messages]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await clickTo('3125550101')).toBe('Call Connected.');
    // The call is in progress (its prompt plays until the webhook hangs up): the node's one place is taken.
    const full = await clickToResponse('3125550101');
    expect([full.status, full.headers.get('retry-after'), await full.text()]).toEqual([503, '5', 'Call Not Connected: Service Unavailable.']);
    const [req] = await receiver.waitFor(1, 20_000);
    const p = paramsOf(req!);
    expect(p.get('ivr_call_result')).toBe('answered');
    expect(p.get('ivr_completed')).toBe('1');
    expect(p.get('ivr_pass_through')).toBe('user_id|12345||step|remind');
    expect(p.get('ivr_number_called')).toBe('+13125550101');
    expect(p.get('ivr_caller_id')).toBe('+18005550100');
    expect(p.get('who')).toBe('Bill');
    const f = await far.done;
    expect(f.code, f.output).toBe(0);
    expect(await readFile(messages, 'utf8')).toMatch(/From: .*<sip:\+?18005550100@/);
  }, 60_000);

  it('a busy number answers the busy text and still sends the IVR webhook once with ivr_call_result=busy', async () => {
    receiver.requests.length = 0;
    const far = startSipp(['-sf', path.join(SCENARIOS, 'far-end.xml'), '-i', '127.0.0.1', '-p', String(farPort), '-mp', String(19294), '-m', '1']);
    await new Promise((r) => setTimeout(r, 300));
    expect(await clickTo('3125550109')).toMatch(/Busy/);
    const [req] = await receiver.waitFor(1, 10_000);
    const p = paramsOf(req!);
    expect(p.get('ivr_call_result')).toBe('busy');
    expect(p.get('ivr_completed')).toBe('0');
    expect(p.get('ivr_pass_through')).toBe('user_id|12345||step|remind');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(1);
    await far.done;
  }, 60_000);
});
