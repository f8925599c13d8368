import { describe, expect, it } from 'vitest';
import type { IvrConfig, KeypadQuestion, MenuQuestion } from '../config/types.js';
import { DEFAULT_FAILURE_TEXT } from '../config/types.js';
import { findMe, makeFlows, simulateCall } from './testing.js';
import { INVALID_CHOICE } from './questions.js';
import { NO_ONE_AVAILABLE, PRESS_ONE } from './findme.js';
import { MESSAGE_SAVED, NOT_ALLOWED, NOT_AVAILABLE } from './blocks.js';
import { NOT_IN_SERVICE } from './runner.js';
import { parseFarEnds } from '../calls/sim-script.js';

const keypad = (over: Partial<KeypadQuestion> = {}): KeypadQuestion => ({
  type: 'keypad', prompt: [{ text: 'Enter digits.' }], minDigits: 2, maxDigits: 4, terminator: '#', timeoutS: 3, ...over,
});
const menu = (over: Partial<MenuQuestion> = {}): MenuQuestion => ({
  type: 'menu', prompt: [{ text: 'Choose.' }], options: { '1': 'sales', '2': 'support' }, timeoutS: 2, ...over,
});
const ivr = (questions: IvrConfig['questions'], over: Partial<IvrConfig> = {}): IvrConfig => ({
  id: 10, name: 'test', questions,
  webhook: { action: 'next_action', method: 'POST', url: 'http://127.0.0.1:1/hook', parameters: [{ name: 'a', source: { kind: 'question', n: 1 } }], includeSourcetrak: false, timeoutS: 5, onFailure: [{ text: DEFAULT_FAILURE_TEXT }] },
  ...over,
});
const numbers = new Map([['100', { kind: 'ivr' as const, id: 10 }]]);
const answersOf = (run: Awaited<ReturnType<typeof simulateCall>>) => new Map(run.requests[0]?.params);

describe('keypad question', () => {
  it('ends on max digits without a terminator', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad()])], numbers }), { to: '100', keys: '1234' });
    expect(answersOf(run).get('a')).toBe('1234');
  });

  it('times out after the first-digit timeout and asks again, three times in all, then moves on', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad(), menu()])], numbers }), { to: '100', keys: ',,,' + ',,,' + ',,,' + '1' });
    expect(run.prompts().filter((p) => p === 'Enter digits.')).toHaveLength(3);
    expect(answersOf(run).get('a')).toBe('');
    expect(answersOf(run).get('ivr_completed')).toBe('1');
  });

  it('keeps digits entered before an inter-digit timeout', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad({ timeoutS: 2 }), menu()])], numbers }), { to: '100', keys: '12,,2' });
    expect(answersOf(run).get('a')).toBe('12');
    expect(answersOf(run).get('ivr_completed')).toBe('1');
  });

  it('does not time out before the timeout', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad({ timeoutS: 3 })])], numbers }), { to: '100', keys: '1,,2#' });
    expect(answersOf(run).get('a')).toBe('12');
  });
});

describe('menu question', () => {
  it('says an invalid key is not a choice and asks again', async () => {
    const q = menu();
    const run = await simulateCall(makeFlows({ ivrs: [ivr([q], { webhook: { ...ivr([]).webhook!, parameters: [{ name: 'a', source: { kind: 'question', n: 1 } }] } })], numbers }), { to: '100', keys: '92' });
    expect(run.prompts()).toEqual(['Choose.', INVALID_CHOICE, 'Choose.']);
    expect(answersOf(run).get('a')).toBe('support');
  });

  it('moves on with no answer after three silent asks', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([menu(), keypad()])], numbers }), { to: '100', keys: ',,,,,,12#' });
    expect(run.prompts().filter((p) => p === 'Choose.')).toHaveLength(3);
    expect(answersOf(run).get('a')).toBe('');
  });
});

describe('opt-out and hang-up', () => {
  it('opt-out key ends the IVR with ivr_opted_out=1', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad(), menu()], { optOutKey: '*' })], numbers }), { to: '100', keys: '*' });
    const p = answersOf(run);
    expect(p.get('ivr_opted_out')).toBe('1');
    expect(p.get('ivr_completed')).toBe('0');
  });

  it('answers given before a hang-up are stored as they happen and sent', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad(), menu()])], numbers }), { to: '100', keys: '55#' });
    expect(answersOf(run).get('ivr_completed')).toBe('0');
    const responseId = Number(answersOf(run).get('ivr_response_id'));
    expect(await run.store.interactions.answers(responseId)).toMatchObject([{ questionNo: 1, value: '55', keys: '55#' }]);
    const [call] = await run.store.calls.list(1);
    expect(call).toMatchObject({ endReason: 'caller_hangup' });
  });
});

describe('routing and building blocks', () => {
  it('an unrouted number hears not-in-service', async () => {
    const run = await simulateCall(makeFlows({}), { to: '999', keys: '' });
    expect(run.prompts()).toEqual([NOT_IN_SERVICE]);
  });

  it('webhook failure plays the failure route', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad()])], numbers }), {
      to: '100', keys: '12#', reply: () => ({ ok: false, latencyMs: 5, failure: 'timed out' }),
    });
    expect(run.prompts().at(-1)).toBe(DEFAULT_FAILURE_TEXT);
  });

  it('a VR option leads to a voicemail box that stores the message', async () => {
    const flows = makeFlows({
      vrs: [{ id: 3, prompt: [{ text: 'Press 2 for voicemail.' }], options: { '2': { kind: 'voicemail', id: 7 } } }],
      voicemails: [{ id: 7, greeting: [{ text: 'Leave a message.' }], maxSeconds: 60 }],
      numbers: new Map([['300', { kind: 'vr', id: 3 }]]),
    });
    const run = await simulateCall(flows, { to: '300', keys: '2,,,#' });
    expect(run.prompts()).toEqual(['Press 2 for voicemail.', 'Leave a message.', '[beep]', MESSAGE_SAVED]);
    const recs = await run.store.recordings.forSession('a'.repeat(32));
    expect(recs).toMatchObject([{ kind: 'voicemail', voicemailId: 7, durationMs: 3000, callerId: '3125550199' }]);
  });

  it('transfer to a refused number says so and never dials', async () => {
    const flows = makeFlows({ ivrs: [ivr([keypad()])], numbers });
    const run = await simulateCall(flows, {
      to: '100', keys: '12#',
      reply: () => ({ ok: true, status: 200, latencyMs: 1, body: '<action><app>transfer</app><parameters><destination>+19005551234</destination></parameters></action>' }),
    });
    expect(run.prompts().at(-1)).toBe(NOT_ALLOWED);
    expect(run.events.some((e) => e.type === 'ringing')).toBe(false);
  });

  it('transfer to a busy number says the party is not available', async () => {
    const run = await simulateCall(makeFlows({ ivrs: [ivr([keypad()])], numbers }), {
      to: '100', keys: '12#', farEnd: '3125550101=busy',
      reply: () => ({ ok: true, status: 200, latencyMs: 1, body: '<action><app>transfer</app><parameters><destination>3125550101</destination></parameters></action>' }),
    });
    expect(run.prompts().at(-1)).toBe(NOT_AVAILABLE);
  });
});

describe('Find Me', () => {
  const flowsWith = (fm: ReturnType<typeof findMe>) =>
    makeFlows({ findmes: [fm], voicemails: [{ id: 7, greeting: [{ text: 'Leave a message.' }], maxSeconds: 60 }], numbers: new Map([['400', { kind: 'findme', id: 4 }]]) });

  it('sequential: busy, then a decline, then an accept', async () => {
    const fm = findMe({ phoneList: ['3125550101', '3125550102', '3125550103'], screenMethod: 1, whisperPhrase: 'Call for you.' });
    const run = await simulateCall(flowsWith(fm), { to: '400', keys: '', farEnd: '3125550101=busy,3125550102=answer:2,3125550103=answer@3:1' });
    const dials = run.events.filter((e) => e.type === 'dial').map((e) => `${(e as { destination: string }).destination}=${(e as { outcome: string }).outcome}`);
    expect(dials).toEqual(['3125550101=busy', '3125550102=answered', '3125550103=answered']);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'bridge', destination: '3125550103' }));
    expect(run.events.filter((e) => e.type === 'prompt' && e.text === PRESS_ONE)).toHaveLength(2);
  });

  it('nobody accepts: nextaction 2 goes to the voicemail box', async () => {
    const fm = findMe({ phoneList: ['3125550101'], timeoutS: 5, nextaction: 2, nextactionitem: 7 });
    const run = await simulateCall(flowsWith(fm), { to: '400', keys: '', farEnd: '3125550101=no_answer' });
    expect(run.prompts()).toContain('Leave a message.');
  });

  it('no numbers at all (emptied through the API): straight to the end-of-list action, nothing dialled', async () => {
    const run = await simulateCall(flowsWith(findMe({ phoneList: [], nextaction: 2, nextactionitem: 7 })), { to: '400', keys: '' });
    expect(run.events.filter((e) => e.type === 'dial')).toEqual([]);
    expect(run.prompts()).toContain('Leave a message.');
  });

  it('nobody accepts: nextaction 1 says no one is available', async () => {
    const run = await simulateCall(flowsWith(findMe({ phoneList: ['3125550101'], screenMethod: 1 })), { to: '400', keys: '', farEnd: '3125550101=answer:9' });
    expect(run.prompts()).toContain(NO_ONE_AVAILABLE);
  });

  it('screen_method 3 (no screening) introduces nothing but still asks for the key', async () => {
    const fm = findMe({ phoneList: ['3125550101', '3125550102'], screenMethod: 3 });
    const run = await simulateCall(flowsWith(fm), { to: '400', keys: '', farEnd: '3125550101=answer:9,3125550102=answer:1' });
    const toLegs = run.events.filter((e) => e.type === 'prompt' && 'leg' in e && e.leg).map((e) => (e as { text: string }).text);
    expect(toLegs).toEqual([PRESS_ONE, PRESS_ONE]);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'bridge', destination: '3125550102' }));
    expect(run.events.some((e) => e.type === 'bridge' && e.destination === '3125550101')).toBe(false);
  });

  it('a caller who hangs up mid-Find Me: the callee being screened is hung up and the ringing leg cancelled at once', async () => {
    const fm = findMe({ phoneList: ['3125550101', '3125550102'], simultaneous: 2, timeoutS: 30, screenMethod: 1, whisperPhrase: 'Call for you.' });
    // 3125550101 answers after 1 s and stays silent while screened; 3125550102 rings on; the caller leaves at 3 s.
    const farEnds = parseFarEnds('3125550101=answer@1,3125550102=no_answer');
    farEnds.set('3125550101', { ...farEnds.get('3125550101')!, keys: ','.repeat(20) });
    const run = await simulateCall(flowsWith(fm), { to: '400', keys: '', callerHangsUpAtMs: 3000, farEnds });
    const dials = run.events.filter((e) => e.type === 'dial').map((e) => `${(e as { destination: string }).destination}=${(e as { outcome: string }).outcome}`);
    expect(dials.sort()).toEqual(['3125550101=answered', '3125550102=canceled']);
    expect(run.events).toContainEqual({ type: 'hangup', by: 'hookline', leg: '3125550101' });
    // Hung up, not left waiting out the 5 s for a key that nobody is there to answer.
    expect(run.events.some((e) => e.type === 'digits' && 'leg' in e && e.leg === '3125550101')).toBe(false);
    expect(run.events.some((e) => e.type === 'bridge')).toBe(false);
  });

  it('auto_accept 1 connects the first answered leg without screening', async () => {
    const run = await simulateCall(flowsWith(findMe({ phoneList: ['3125550101'], autoAccept: 1 })), { to: '400', keys: '', farEnd: '3125550101=answer:9' });
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'bridge', destination: '3125550101' }));
    expect(run.events.some((e) => e.type === 'prompt' && e.text === PRESS_ONE)).toBe(false);
  });

  it('auto_accept 2 screens the last number but connects it without the key press', async () => {
    const fm = findMe({ phoneList: ['3125550101', '3125550102'], autoAccept: 2, screenMethod: 1, whisperPhrase: 'Call for @who' });
    const run = await simulateCall(flowsWith(fm), { to: '400', keys: '', farEnd: '3125550101=answer:9,3125550102=answer:9' });
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'bridge', destination: '3125550102' }));
    expect(run.events.filter((e) => e.type === 'prompt' && 'leg' in e && e.leg === '3125550102').map((e) => (e as { text: string }).text)).toEqual(['Call for ']);
  });

  it('simultaneous: the first to accept wins and the others are cancelled at once', async () => {
    const fm = findMe({ phoneList: ['3125550101', '3125550102', '3125550103'], simultaneous: 3 });
    const run = await simulateCall(flowsWith(fm), { to: '400', keys: '', farEnd: '3125550101=no_answer,3125550102=answer@2:1,3125550103=answer@10:1' });
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'bridge', destination: '3125550102' }));
    const cancels = run.events.filter((e) => e.type === 'cancel').map((e) => (e as { destination: string }).destination).sort();
    expect(cancels).toEqual(['3125550101', '3125550103']);
  });

  it('record=1 plays the notice to both parties and adds to ivr_monitored_time', async () => {
    const run = await simulateCall(flowsWith(findMe({ phoneList: ['3125550101'], record: 1, autoAccept: 1 })), { to: '400', keys: '' });
    expect(run.events.filter((e) => e.type === 'prompt' && e.text === 'This call may be recorded.')).toHaveLength(2);
    const [call] = await run.store.calls.list(1);
    expect(call!.monitoredSeconds).toBe(1);
    // The recording names the Find Me that bridged it, so it can be listed by Find Me.
    expect(await run.store.recordings.forSession(call!.sessionId)).toEqual([expect.objectContaining({ kind: 'call', findmeId: 4 })]);
  });
});
