/**
 * The IVRs the benchmark calls, one flows file for every section.
 *
 * ivr/10 (concurrency): after test/interop/flows.ts, shaped so that a lost or doubled key shows in the
 * webhook: a doubled digit in `account`, a doubled "#" as the menu's answer (`dept=pound`), a lost "#" as
 * the menu's "2" landing in the account. The menu is the last question, so the webhook goes out as soon as
 * the caller's last key is in (that delay is measured); a doubled *final* key cannot show.
 * Timeouts are long because every caller holds (SIPp's -d) before keying, until all calls of the step are up.
 *
 * ivr/20 (call rate): a single short prompt, no webhook.
 * ivr/21 (churn beside the concurrency callers): a one-key menu and a webhook that hangs up, so that the
 * webhook after a key is measured on calls that arrive while the N callers listen (short-ivr-uac.xml).
 * ivr/30 → ivr/31 (time to first audio): a short greeting, a webhook that answers with ivr/31 and a user
 * parameter `code`, and ivr/31 says "Your code is @code.": a text the prompt cache has never seen.
 */
import { WebhookReceiver, paramsOf } from '../../src/testkit/webhook-receiver.js';

/** A webhook receiver for ivr/10 that answers with a hang-up and keeps each caller's parameters, by caller id. */
export async function startArrivals(): Promise<{ receiver: WebhookReceiver; arrivals: Map<string, Map<string, string>>; hookBase: string }> {
  const arrivals = new Map<string, Map<string, string>>();
  const receiver = new WebhookReceiver((r) => {
    const p = paramsOf(r);
    arrivals.set(p.get('ivr_caller_id') ?? '', p);
    return { body: HANGUP };
  });
  const hookBase = (await receiver.start()).replace(/\/$/, '');
  return { receiver, arrivals, hookBase };
}

export const NUMBERS = { ivr: '8005550100', short: '8005550200', shortIvr: '8005550210', firstAudio: '8005550300' } as const;
export const HANGUP = '<action><app>hangup</app></action>';
/** The keys ivr-uac.xml presses and what the webhook must then carry. */
export const KEYS = '12345#2';
export const EXPECTED = { account: '12345', dept: 'support' } as const;
const MENU_KEY: Record<string, string> = { sales: '1', support: '2', pound: '#' };

export function benchFlows(hookBase: string): string {
  return `
timezone: UTC
numbers:
  "${NUMBERS.ivr}": ivr/10
  "${NUMBERS.short}": ivr/20
  "${NUMBERS.shortIvr}": ivr/21
  "${NUMBERS.firstAudio}": ivr/30
ivrs:
  - id: 10
    name: Bench account lookup
    questions:
      - type: say
        prompt: "Welcome to the hookline benchmark."
      - type: keypad
        prompt: "Enter your account number, then press pound."
        min_digits: 4
        max_digits: 10
        terminator: "#"
        timeout_s: 30
      - type: menu
        prompt: "For sales press 1. For support press 2."
        options: { "1": sales, "2": support, "#": pound }
        timeout_s: 10
    webhook:
      action: next_action
      method: POST
      url: ${hookBase}/hook?ivr=10
      parameters:
        - { name: account, value: question.2 }
        - { name: dept, value: question.3 }
      timeout_s: 10
  - id: 20
    name: Bench short call
    questions:
      - type: say
        prompt: "Thank you for calling the hookline benchmark."
  - id: 21
    name: Bench short IVR
    questions:
      - type: menu
        prompt: "Press 1 to go on."
        options: { "1": yes }
        timeout_s: 10
    webhook:
      action: next_action
      method: POST
      url: ${hookBase}/hook?ivr=21
      timeout_s: 10
  - id: 30
    name: Bench first audio
    questions:
      - type: say
        prompt: "Hello."
    webhook:
      action: next_action
      method: POST
      url: ${hookBase}/hook?ivr=30
      timeout_s: 10
  - id: 31
    name: Bench first audio, second part
    questions:
      - type: say
        prompt: "Your code is @code."
`;
}

/**
 * Lost and doubled keys of one call from its webhook: the keys the IVR took (account, "#" when the menu
 * was reached, the menu's key) against the keys pressed, by longest common subsequence.
 */
export function keyErrors(account: string, dept: string): { lost: number; doubled: number } {
  const got = account + (dept !== '' ? '#' : '') + (MENU_KEY[dept] ?? '');
  const common = lcs(got, KEYS);
  return { lost: KEYS.length - common, doubled: got.length - common };
}

export interface KeyTally {
  lost: number;
  doubled: number;
  /** Calls whose webhook carried other answers than the keys pressed, or no ivr_completed=1. */
  calls_wrong: number;
  calls_without_webhook: number;
  wrong_samples: Array<{ caller: string; account: string; dept: string; completed: string }>;
}

/** Lost and doubled keys over every caller, from the webhook parameters each caller's IVR sent (by caller id). */
export function tallyKeys(callers: Iterable<string>, arrivals: ReadonlyMap<string, URLSearchParams | Map<string, string>>): KeyTally {
  const keys: KeyTally = { lost: 0, doubled: 0, calls_wrong: 0, calls_without_webhook: 0, wrong_samples: [] };
  for (const c of callers) {
    const p = arrivals.get(c);
    if (!p) {
      keys.calls_without_webhook++;
      continue;
    }
    const e = keyErrors(p.get('account') ?? '', p.get('dept') ?? '');
    keys.lost += e.lost;
    keys.doubled += e.doubled;
    if (p.get('account') !== EXPECTED.account || p.get('dept') !== EXPECTED.dept || p.get('ivr_completed') !== '1') {
      keys.calls_wrong++;
      if (keys.wrong_samples.length < 10) keys.wrong_samples.push({ caller: c, account: p.get('account') ?? '', dept: p.get('dept') ?? '', completed: p.get('ivr_completed') ?? '' });
    }
  }
  return keys;
}

function lcs(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(up, prev[j - 1] as number);
      diag = up;
    }
  }
  return prev[b.length] as number;
}
