import { describe, expect, it } from 'vitest';
import { InitiateError } from './initiate-errors.js';
import { LEGACY_APPS, parseFormRequest, parseUserParameters } from './initiate-form.js';

const fields = (o: Record<string, string>) => new Map(Object.entries(o));

function failure(f: () => unknown): { code: string; param: string | undefined } {
  try {
    f();
  } catch (e) {
    if (e instanceof InitiateError) return { code: e.code, param: e.param };
    throw e;
  }
  throw new Error('expected an InitiateError');
}

describe('parseUserParameters (name|value||name|value)', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['firstName|Bill', { firstName: 'Bill' }],
    ['firstName|Bill||lastName|Johnson', { firstName: 'Bill', lastName: 'Johnson' }],
    ['||a|1||||b|2||', { a: '1', b: '2' }],
    ['flag', { flag: '' }],
    ['url|http://x/?a=1|2', { url: 'http://x/?a=1|2' }],
    ['a|1||a|2', { a: '2' }],
    ['|orphan||b|2', { b: '2' }],
  ])('%j → %j', (s, want) => {
    expect(parseUserParameters(s)).toEqual(want);
  });

  it('keeps __proto__ as a plain own key', () => {
    const p = parseUserParameters('__proto__|x||a|1');
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(Object.keys(p)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });
});

describe('parseFormRequest', () => {
  it('knows every legacy app of §0/§1', () => {
    expect([...LEGACY_APPS.keys()]).toEqual(['ctc', 'ctf', 'ctfl', 'ctvr', 'ctvm', 'cts', 'cst']);
  });

  it('takes every Click-to-Find Me List setting (§1.3, §5.3)', () => {
    const req = parseFormRequest(
      'findme_list',
      fields({
        list: '312-555-0101 | 312-555-0102|',
        phone_to_call: '3125550002',
        type: '2',
        screen_prompt: 'Call from the web site',
        usr_findme_type: '2',
        loop_count: '3',
        randomize: '1',
        record: '1',
        use_screen: '0',
        dtmf_only: '1',
        holdmusic: 'jazz.wav',
        holdrepeat: '0',
        timeout: '20',
        whisper_phrase: 'Web lead',
        nextaction: '2',
        nextactionitem: '7',
        no_answer_email: 'ops@example.com',
        no_answer_sms: '3125550199',
        no_answer_url: 'https://example.com/no-answer',
        no_answer_phone: '3125550198',
      }),
      'click_to_xyz',
    );
    expect(req).toMatchObject({
      kind: 'findme_list',
      firstNumber: '+13125550002',
      reverse: true,
      noAnswer: { email: 'ops@example.com', sms: '+13125550199', url: 'https://example.com/no-answer', phone: '+13125550198' },
      findMe: {
        list: ['+13125550101', '+13125550102'],
        screenPrompt: 'Call from the web site',
        findmeType: 2,
        loopCount: 3,
        randomize: true,
        record: true,
        useScreen: false,
        dtmfOnly: true,
        holdMusic: 'jazz.wav',
        holdRepeat: 0,
        timeoutS: 20,
        whisperPhrase: 'Web lead',
        nextAction: 2,
        nextActionItem: 7,
      },
    });
  });

  it('leaves unset list settings out, so the Find Me defaults apply', () => {
    const req = parseFormRequest('findme_list', fields({ list: '3125550101', phone_to_call: '3125550002' }), 'ibp_api');
    expect(req).toMatchObject({ reverse: false, noAnswer: {}, findMe: { list: ['+13125550101'] } });
    expect(req.kind === 'findme_list' && Object.keys(req.findMe)).toEqual(['list']);
  });

  it("takes the clients' misspellings: usr_param_type (PHP, §1.3), manu_id (PY, §1.4)", () => {
    const fl = parseFormRequest('findme_list', fields({ list: '3125550101', phone_to_call: '3125550002', usr_param_type: '2' }), 'ibp_api');
    expect(fl).toMatchObject({ findMe: { findmeType: 2 } });
    expect(parseFormRequest('vr', fields({ manu_id: '3', phone_to_call: '3125550002' }), 'click_to_xyz')).toMatchObject({ blockId: 3 });
  });

  it.each([
    ['findme', { findme_id: '4', phone_to_call: '3125550002', type: '3' }, 'type'],
    ['findme', { findme_id: '4', phone_to_call: '3125550002', no_answer_email: 'nobody' }, 'no_answer_email'],
    ['findme', { findme_id: '4', phone_to_call: '3125550002', no_answer_url: 'javascript:alert(1)' }, 'no_answer_url'],
    ['findme', { findme_id: '4', phone_to_call: '3125550002', no_answer_sms: 'text me' }, 'no_answer_sms'],
    ['findme_list', { list: '3125550101', phone_to_call: '3125550002', loop_count: '6' }, 'loop_count'],
    ['findme_list', { list: '3125550101', phone_to_call: '3125550002', timeout: '9' }, 'timeout'],
    ['findme_list', { list: '3125550101', phone_to_call: '3125550002', holdrepeat: '3' }, 'holdrepeat'],
    ['findme_list', { list: '3125550101', phone_to_call: '3125550002', nextaction: '8' }, 'nextaction'],
    ['findme_list', { list: '3125550101', phone_to_call: '3125550002', nextactionitem: 'x' }, 'nextactionitem'],
    ['findme_list', { list: '3125550101', phone_to_call: '3125550002', record: 'maybe' }, 'record'],
    ['ivr', { survo_id: '890', phone_to_call: '12' }, 'phone_to_call'],
    ['ivr', { survo_id: '99999999999', phone_to_call: '3125550002' }, 'survo_id'],
  ] as const)('%s %j: invalid %s', (kind, f, param) => {
    expect(failure(() => parseFormRequest(kind, fields(f), 'click_to_xyz'))).toEqual({ code: 'invalid_parameter', param });
  });

  it('treats an empty field as absent and keeps p_t byte for byte', () => {
    const req = parseFormRequest('vr', fields({ menu_id: '3', phone_to_call: '3125550002', first_callerid: '', p_t: ' a|1 ' }), 'click_to_xyz');
    expect(req.firstCallerId).toBeUndefined();
    expect(req.passThrough).toBe(' a|1 ');
  });
});
