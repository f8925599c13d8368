import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { FindMeConfig } from '../config/types.js';
import type { CallControl, Leg, PlayablePart } from '../calls/types.js';
import type { FlowDeps } from './deps.js';
import { say } from './deps.js';
import { substitute } from './substitute.js';
import type { CallState, Next } from './state.js';
import { connect } from './connect.js';

export const NO_ONE_AVAILABLE = 'No one is available to take your call. Goodbye.';
export const SAY_YOUR_NAME = 'Please say your name after the tone.';
export const PRESS_ONE = 'Press 1 to accept this call.';

/**
 * Find Me (pre-configured or dynamic): rings `phoneList` in order, `simultaneous` numbers at a time,
 * `loopCount` times; the first leg to accept wins and every other leg is cancelled at once.
 * Screening, auto-accept and the "unable to connect" next action follow the seed's tables.
 */
export async function runFindMe(call: CallControl, fm: FindMeConfig, state: CallState, deps: FlowDeps): Promise<Next> {
  let namePath: string | undefined;
  if (fm.screenMethod === 0) {
    namePath = path.join(deps.dataDir, 'recordings', state.sessionId, `name-${deps.clock.now()}.wav`);
    await mkdir(path.dirname(namePath), { recursive: true });
    await call.play([{ text: SAY_YOUR_NAME }, { tone: 'beep' }]);
    if (call.hungUp) return { kind: 'ended' };
    await call.record({ path: namePath, maxMs: 5000, finishKeys: '#', silenceMs: 1500 });
  }
  const groups = attemptGroups(fm);
  const stopHold = call.startHoldAudio(fm.holdmusic === 'ringback' ? 'ringback' : { audioPath: fm.holdmusic });
  let winner: Leg | undefined;
  try {
    for (const [gi, group] of groups.entries()) {
      if (call.hungUp) return { kind: 'ended' };
      winner = await ringGroup(call, group, gi === groups.length - 1, fm, state, deps, namePath);
      if (winner) break;
    }
  } finally {
    stopHold();
  }
  if (call.hungUp) {
    await winner?.hangup();
    return { kind: 'ended' };
  }
  if (winner) return connect(call, winner, fm.record === 1, state, deps, fm.id);
  return unableToConnect(call, fm, deps);
}

function attemptGroups(fm: FindMeConfig): string[][] {
  const groups: string[][] = [];
  for (let loop = 0; loop < Math.max(1, fm.loopCount); loop++) {
    const list = fm.randomize ? shuffle(fm.phoneList) : fm.phoneList;
    const size = Math.max(1, fm.simultaneous);
    for (let i = 0; i < list.length; i += size) groups.push(list.slice(i, i + size));
  }
  return groups;
}

function shuffle<T>(items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** Rings one group at once; resolves with the first leg that accepts, after cancelling the rest. */
async function ringGroup(
  call: CallControl,
  group: string[],
  isLast: boolean,
  fm: FindMeConfig,
  state: CallState,
  deps: FlowDeps,
  namePath: string | undefined,
): Promise<Leg | undefined> {
  const controllers = group.map(() => new AbortController());
  const answered = new Set<Leg>();
  let winner: Leg | undefined;
  let settled = false;
  // A caller who hangs up ends every attempt at once: ringing legs are cancelled, and a callee being
  // screened is hung up rather than left hearing "press 1" (and waiting for it) for nobody.
  // `ended` only ever resolves; abort() does not throw, and each hang-up's rejection is handled below.
  void call.ended.then(() => {
    if (settled) return;
    controllers.forEach((c) => c.abort());
    for (const l of answered) l.hangup().catch((err: unknown) => deps.logger.error({ err, sessionId: state.sessionId }, 'hanging up a Find Me leg failed'));
  });
  const attempt = async (dest: string, i: number): Promise<void> => {
    const refused = deps.checkDial(dest);
    if (refused) {
      deps.logger.warn({ sessionId: state.sessionId, destination: dest }, `dial refused: ${refused}`);
      deps.events?.({ type: 'dial', destination: dest, outcome: 'refused' });
      return;
    }
    const ctrl = controllers[i] as AbortController;
    const { outcome, leg } = await call.dial(dest, { timeoutMs: fm.timeoutS * 1000, callerId: state.callerId, signal: ctrl.signal });
    deps.events?.({ type: 'dial', destination: dest, outcome });
    if (!leg) return;
    if (winner || call.hungUp) {
      await leg.hangup();
      return;
    }
    answered.add(leg);
    const accepted = await screen(leg, isLast, fm, state, namePath);
    answered.delete(leg);
    if (accepted && !winner && !call.hungUp) {
      winner = leg;
      // The first to accept wins: cancel the legs still ringing and drop those still screening.
      controllers.forEach((c, j) => j !== i && c.abort());
      await Promise.all([...answered].map((l) => l.hangup()));
    } else {
      await leg.hangup();
    }
  };
  await Promise.all(group.map((dest, i) => attempt(dest, i)));
  settled = true;
  return winner;
}

/**
 * Introduces the call to the callee and asks for 1; auto-accept modes skip parts of it. Screening and
 * accepting are separate settings: screen_method 3 ("No Screening") drops the introduction, but the key
 * is still asked for unless auto_accept (or nextaction 3/7) says otherwise; otherwise auto_accept 0,
 * the dynamic Find Me's default beside screen_method 3, would mean nothing.
 */
async function screen(leg: Leg, isLast: boolean, fm: FindMeConfig, state: CallState, namePath: string | undefined): Promise<boolean> {
  if (fm.autoAccept === 1) return true;
  if (isLast && (fm.autoAccept === 3 || fm.nextaction === 7)) return true;
  const intro: PlayablePart[] = [];
  if (fm.screenMethod === 0 && namePath) intro.push({ text: 'You have a call from' }, { audioPath: namePath });
  if (fm.screenMethod === 1 && fm.whisperPhrase) intro.push({ text: substitute(fm.whisperPhrase, state.userParameters) });
  if (fm.screenMethod === 2 && fm.whisperAudio) intro.push({ audioPath: substitute(fm.whisperAudio, state.userParameters) });
  if (isLast && (fm.autoAccept === 2 || fm.nextaction === 3)) {
    if (intro.length) await leg.play(intro);
    return !leg.hungUp;
  }
  await leg.play([...intro, { text: PRESS_ONE }], { bargeIn: true });
  if (leg.hungUp) return false;
  const r = await leg.collectDigits({ maxDigits: 1, terminators: '', firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 5000 });
  return r.digits === '1';
}

/** The seed's "If unable to connect" column: nextaction 2/4/5/6 route on; anything else says so and hangs up. */
async function unableToConnect(call: CallControl, fm: FindMeConfig, deps: FlowDeps): Promise<Next> {
  const item = fm.nextactionitem;
  const routes: Partial<Record<number, Next>> =
    item === undefined
      ? {}
      : {
          2: deps.flows.voicemails.has(item) ? { kind: 'block', ref: { kind: 'voicemail', id: item } } : undefined,
          4: deps.flows.vrs.has(item) ? { kind: 'block', ref: { kind: 'vr', id: item } } : undefined,
          5: deps.flows.findmes.has(item) ? { kind: 'block', ref: { kind: 'findme', id: item } } : undefined,
          6: deps.flows.ivrs.has(item) ? { kind: 'block', ref: { kind: 'ivr', id: item } } : undefined,
        };
  const next = routes[fm.nextaction];
  if (next) return next;
  await call.play(say(NO_ONE_AVAILABLE));
  return { kind: 'hangup', reason: 'findme_unanswered' };
}
