/** The IVR the interop tests call, and the checks on the webhook it sends. */
import { expect } from 'vitest';
import { paramsOf, type ReceivedRequest } from '../../src/testkit/webhook-receiver.js';

export const NUMBER = '8005550100';
export const HANGUP = '<action><app>hangup</app></action>';

export const AUTOMATIC = [
  'ivr_number_called', 'ivr_caller_id', 'ivr_id', 'ivr_response_id', 'ivr_timestamp', 'ivr_pass_through',
  'ivr_call_result', 'ivr_completed', 'ivr_session_id', 'ivr_monitored_time', 'ivr_opted_out',
];

/**
 * The account lookup IVR of test/simulate.test.ts, shaped so that a key reported twice cannot hide:
 * - a doubled digit in the account shows in `account`;
 * - a doubled "#" would be the menu's first key, and "#" is a menu option of its own (`dept=pound`);
 * - a doubled menu key is left over for question 4, which takes any keys left (`extra`, empty when none).
 * Timeouts are long enough for real audio: the prompts really play (text-to-speech) before keys are read.
 */
export function interopFlows(hookBase: string, o: { menuTimeoutS?: number } = {}): string {
  return `
timezone: America/New_York
numbers:
  "${NUMBER}": ivr/10
ivrs:
  - id: 10
    name: Account lookup
    questions:
      - type: say
        prompt: "Welcome."
      - type: keypad
        prompt: "Enter your account number, then press pound."
        min_digits: 4
        max_digits: 10
        terminator: "#"
        timeout_s: 10
      - type: menu
        prompt: "For sales press 1. For support press 2."
        options: { "1": sales, "2": support, "#": pound }
        timeout_s: ${o.menuTimeoutS ?? 10}
      - type: keypad
        prompt: "Thank you."
        min_digits: 0
        max_digits: 20
        terminator: ""
        timeout_s: 1
    webhook:
      action: next_action
      method: POST
      url: ${hookBase}/hook?source=ivr10
      parameters:
        - { name: account, value: question.2 }
        - { name: dept, value: question.3 }
        - { name: extra, value: question.4 }
        - { name: caller, value: call.caller_id }
      timeout_s: 5
`;
}

export interface Expected {
  caller: string;
  completed: '0' | '1';
  account: string;
  dept: string;
  extra?: string;
}

/** The webhook of one real call carries what the simulator's does (test/simulate.test.ts), from the real call. */
export function expectIvrWebhook(req: ReceivedRequest, e: Expected): Map<string, string> {
  const p = paramsOf(req);
  const ctx = JSON.stringify(Object.fromEntries(p));
  expect(req.method, ctx).toBe('POST');
  expect(req.url, ctx).toBe('/hook?source=ivr10');
  expect(req.form.map(([k]) => k), ctx).toEqual([...AUTOMATIC, 'account', 'dept', 'extra', 'caller']);
  expect(p.get('ivr_number_called'), ctx).toBe(NUMBER);
  expect(p.get('ivr_caller_id'), ctx).toBe(e.caller);
  expect(p.get('ivr_id'), ctx).toBe('10');
  expect(p.get('ivr_response_id'), ctx).toMatch(/^[1-9][0-9]*$/);
  expect(p.get('ivr_timestamp'), ctx).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/);
  expect(p.get('ivr_pass_through'), ctx).toBe('');
  expect(p.get('ivr_call_result'), ctx).toBe('');
  expect(p.get('ivr_completed'), ctx).toBe(e.completed);
  expect(p.get('ivr_session_id'), ctx).toMatch(/^[0-9a-f]{32}$/);
  expect(p.get('ivr_monitored_time'), ctx).toBe('0');
  expect(p.get('ivr_opted_out'), ctx).toBe('0');
  // Each key exactly once: no doubled digit in the account, no "#" left for the menu, nothing left over.
  expect(p.get('account'), ctx).toBe(e.account);
  expect(p.get('dept'), ctx).toBe(e.dept);
  expect(p.get('extra'), ctx).toBe(e.extra ?? '');
  expect(p.get('caller'), ctx).toBe(e.caller);
  expect(req.headers['user-agent'], ctx).toMatch(/^hookline\/\d+\.\d+\.\d+$/);
  return p;
}
