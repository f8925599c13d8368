import type { KeypadQuestion, MenuQuestion, RecordedQuestion } from '../config/types.js';
import type { CallControl, PlayablePart } from '../calls/types.js';

/**
 * How one question is asked. "Re-prompt twice then move on" (the rule): a question is asked
 * at most three times; after the third miss the IVR moves on with an empty answer.
 */
export const MAX_ASKS = 3;
export const INVALID_CHOICE = 'That is not a valid choice.';

export type AskOutcome =
  | { kind: 'answer'; value: string; keys: string }
  | { kind: 'no_answer' }
  | { kind: 'opt_out' }
  | { kind: 'hangup' };

export async function askKeypad(
  call: CallControl,
  q: KeypadQuestion,
  prompt: PlayablePart[],
  optOutKey: string | undefined,
): Promise<AskOutcome> {
  const timeoutMs = q.timeoutS * 1000;
  for (let ask = 0; ask < MAX_ASKS; ask++) {
    if (ask > 0) call.flushDigits();
    await call.play(prompt, { bargeIn: true });
    if (call.hungUp) return { kind: 'hangup' };
    const r = await call.collectDigits({
      maxDigits: q.maxDigits,
      terminators: q.terminator + (optOutKey && optOutKey !== q.terminator ? optOutKey : ''),
      firstDigitTimeoutMs: timeoutMs,
      interDigitTimeoutMs: timeoutMs,
    });
    if (r.reason === 'hangup') return { kind: 'hangup' };
    if (optOutKey && r.terminator === optOutKey && r.digits === '') return { kind: 'opt_out' };
    if (r.digits.length >= q.minDigits) {
      return { kind: 'answer', value: r.digits, keys: r.digits + (r.terminator ?? '') };
    }
  }
  return { kind: 'no_answer' };
}

export async function askMenu(
  call: CallControl,
  q: MenuQuestion,
  prompt: PlayablePart[],
  optOutKey: string | undefined,
): Promise<AskOutcome> {
  const r = await chooseOption(call, prompt, Object.keys(q.options), q.timeoutS * 1000, optOutKey);
  if (r.kind !== 'answer') return r;
  return { kind: 'answer', value: q.options[r.value] ?? '', keys: r.value };
}

/**
 * Menu choice shared by IVR menus and Virtual Receptionists: one key; an invalid key is told so and
 * the menu is asked again; silence asks again.
 */
export async function chooseOption(
  call: CallControl,
  prompt: PlayablePart[],
  keys: string[],
  timeoutMs: number,
  optOutKey: string | undefined,
): Promise<AskOutcome> {
  for (let ask = 0; ask < MAX_ASKS; ask++) {
    await call.play(prompt, { bargeIn: true });
    if (call.hungUp) return { kind: 'hangup' };
    const r = await call.collectDigits({
      maxDigits: 1,
      terminators: '',
      firstDigitTimeoutMs: timeoutMs,
      interDigitTimeoutMs: timeoutMs,
    });
    if (r.reason === 'hangup') return { kind: 'hangup' };
    const key = r.digits;
    if (key === '') continue;
    if (optOutKey && key === optOutKey && !keys.includes(key)) return { kind: 'opt_out' };
    if (keys.includes(key)) return { kind: 'answer', value: key, keys: key };
    call.flushDigits();
    await call.play([{ text: INVALID_CHOICE }]);
  }
  return { kind: 'no_answer' };
}

export interface RecordedAnswer {
  kind: 'recorded';
  durationMs: number;
  hungUp: boolean;
  optedOut: boolean;
}

export async function askRecorded(
  call: CallControl,
  q: RecordedQuestion,
  prompt: PlayablePart[],
  path: string,
  optOutKey: string | undefined,
): Promise<RecordedAnswer> {
  await call.play([...prompt, { tone: 'beep' }], { bargeIn: false });
  if (call.hungUp) return { kind: 'recorded', durationMs: 0, hungUp: true, optedOut: false };
  const r = await call.record({
    path,
    maxMs: q.maxSeconds * 1000,
    finishKeys: '#' + (optOutKey && optOutKey !== '#' ? optOutKey : ''),
    silenceMs: 5000,
  });
  return {
    kind: 'recorded',
    durationMs: r.durationMs,
    hungUp: r.reason === 'hangup',
    optedOut: r.reason === 'key' && r.key === optOutKey && optOutKey !== '#',
  };
}
