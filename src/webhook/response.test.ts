import { describe, expect, it } from 'vitest';
import type { WebhookErrorCode } from './errors.js';
import { parseNextAction } from './response.js';

const act = (app: string, params = ''): string => `<action><app>${app}</app><parameters>${params}</parameters></action>`;

describe('parseNextAction: the seed examples', () => {
  it('SurVo with user parameters and p_t', () => {
    const body = `
<action>
  <app>SurVo</app>
  <parameters>
    <id>75</id>
    <user_parameters>
      <firstName>Bill</firstName>
      <lastName>Johnson</lastName>
    </user_parameters>
    <p_t>user_id|12345||step|call_user</p_t>
  </parameters>
</action>
`;
    const { action, warnings } = parseNextAction(body);
    expect(action).toEqual({
      app: 'survo',
      id: 75,
      userParameters: { firstName: 'Bill', lastName: 'Johnson' },
      passThrough: 'user_id|12345||step|call_user',
    });
    expect(Object.keys(action.userParameters)).toEqual(['firstName', 'lastName']);
    expect(warnings).toEqual([]);
  });

  it('dynamic Find Me with a whisper phrase and recording, defaults filled in', () => {
    const { action } = parseNextAction(
      act('findme', '<phone_list>2223334444</phone_list><screen_method>1</screen_method><whisper_phrase>Call from Radio Ad</whisper_phrase><record>1</record>'),
    );
    expect(action).toEqual({
      app: 'findme',
      userParameters: {},
      dynamic: {
        phoneList: ['2223334444'],
        simultaneous: 1,
        nextaction: 1,
        record: 1,
        screenMethod: 1,
        whisperPhrase: 'Call from Radio Ad',
        autoAccept: 0,
      },
    });
    expect(action.passThrough).toBeUndefined();
  });

  it('dynamic Find Me ringing two numbers with whisper audio', () => {
    const { action } = parseNextAction(
      act('findme', '<phone_list>2223334444|5556667777</phone_list><simultaneous>2</simultaneous><screen_method>2</screen_method><whisper_audio>customwhisper.wav</whisper_audio><record>1</record>'),
    );
    expect(action.app === 'findme' && action.dynamic).toEqual({
      phoneList: ['2223334444', '5556667777'],
      simultaneous: 2,
      nextaction: 1,
      record: 1,
      screenMethod: 2,
      whisperPhrase: '',
      whisperAudio: 'customwhisper.wav',
      autoAccept: 0,
    });
  });
});

describe('parseNextAction: every app', () => {
  it.each([
    ['ivr alias', act('ivr', '<id>12</id>'), { app: 'survo', id: 12 }],
    ['findme by id', act('findme', '<id>4</id>'), { app: 'findme', id: 4 }],
    ['vr', act('vr', '<id>3</id>'), { app: 'vr', id: 3 }],
    ['voicemail', act('voicemail', '<id>7</id>'), { app: 'voicemail', id: 7 }],
    ['hangup without parameters', '<action><app>hangup</app></action>', { app: 'hangup' }],
    ['hangup with empty parameters', act('hangup'), { app: 'hangup' }],
    ['transfer', act('transfer', '<destination>+1 (312) 555-0101</destination>'), { app: 'transfer', destination: '+13125550101' }],
    ['leading zeros in an id', act('vr', '<id>007</id>'), { app: 'vr', id: 7 }],
    ['white space around an id', act('vr', '<id>\n 3 \n</id>'), { app: 'vr', id: 3 }],
  ])('%s', (_what, body, expected) => {
    expect(parseNextAction(body).action).toEqual({ userParameters: {}, ...expected });
  });

  it('dynamic Find Me with every option', () => {
    const { action, warnings } = parseNextAction(
      act(
        'findme',
        '<phone_list> 222.333.4444 | | 555-666-7777 |+448081570000</phone_list><simultaneous>3</simultaneous><nextaction>5</nextaction>' +
          '<nextactionitem>9</nextactionitem><record>0</record><screen_method>0</screen_method><auto_accept>3</auto_accept>',
      ),
    );
    expect(warnings).toEqual([]);
    expect(action.app === 'findme' && action.dynamic).toEqual({
      phoneList: ['2223334444', '5556667777', '+448081570000'],
      simultaneous: 3,
      nextaction: 5,
      nextactionitem: 9,
      record: 0,
      screenMethod: 0,
      whisperPhrase: '',
      autoAccept: 3,
    });
  });

  it.each([2, 4, 5, 6])('nextaction %i requires nextactionitem', (n) => {
    expect(() => parseNextAction(act('findme', `<phone_list>2223334444</phone_list><nextaction>${n}</nextaction>`))).toThrow(
      expect.objectContaining({ code: 'missing_param' }),
    );
  });

  it.each([1, 3, 7])('nextaction %i needs no item, and one given is ignored with a warning', (n) => {
    const r = parseNextAction(act('findme', `<phone_list>2223334444</phone_list><nextaction>${n}</nextaction><nextactionitem>4</nextactionitem>`));
    expect(r.action.app === 'findme' && r.action.dynamic?.nextactionitem).toBeUndefined();
    expect(r.warnings).toEqual([expect.stringContaining('nextactionitem')]);
  });

  it('id wins over phone_list, with a warning', () => {
    const r = parseNextAction(act('findme', '<id>4</id><phone_list>2223334444</phone_list>'));
    expect(r.action).toEqual({ app: 'findme', id: 4, userParameters: {} });
    expect(r.warnings).toEqual([expect.stringContaining('phone_list')]);
  });

  it('caps simultaneous at the number of phones, with a warning', () => {
    const r = parseNextAction(act('findme', '<phone_list>2223334444</phone_list><simultaneous>5</simultaneous>'));
    expect(r.action.app === 'findme' && r.action.dynamic?.simultaneous).toBe(1);
    expect(r.warnings).toHaveLength(1);
  });

  it('p_t and user_parameters ride on any action; p_t is kept verbatim, an empty one clears', () => {
    const r = parseNextAction(act('hangup', '<p_t>  a|1 </p_t><user_parameters><x> 1 </x><x>2</x></user_parameters>'));
    expect(r.action).toEqual({ app: 'hangup', passThrough: '  a|1 ', userParameters: { x: '2' } });
    expect(parseNextAction(act('vr', '<id>3</id><p_t/>')).action.passThrough).toBe('');
    expect(parseNextAction(act('vr', '<id>3</id><p_t><![CDATA[a|<b>]]></p_t>')).action.passThrough).toBe('a|<b>');
    expect(parseNextAction(act('vr', '<id>3</id><p_t>a&amp;b|&lt;c&gt;</p_t>')).action.passThrough).toBe('a&b|<c>');
  });
});

describe('parseNextAction: <app> matching and tolerated layout', () => {
  it.each(['SurVo', 'survo', 'SURVO', '  SurVo\n', '\tivr ', 'IVR'])('<app>%s</app> is survo', (app) => {
    expect(parseNextAction(act(app, '<id>1</id>')).action.app).toBe('survo');
  });

  it.each(['  FindMe ', 'HANGUP', ' Voicemail', 'VR', 'Transfer'])('<app>%s</app> is known', (app) => {
    expect(() => parseNextAction(act(app, '<id>1</id><destination>123</destination>'))).not.toThrow();
  });

  it('accepts an XML declaration, a BOM, comments and white space around the document', () => {
    const body = '\uFEFF\n\n  <?xml version="1.0" encoding="UTF-8"?>\n<!-- made by us -->\n<action><app>hangup</app></action>\n\n';
    expect(parseNextAction(body).action.app).toBe('hangup');
  });

  it('matches element names without regard to case but keeps user parameter names as written', () => {
    const r = parseNextAction('<Action><App>SurVo</App><Parameters><ID>5</ID><User_Parameters><FirstName>Ann</FirstName></User_Parameters></Parameters></Action>');
    expect(r.action).toEqual({ app: 'survo', id: 5, userParameters: { FirstName: 'Ann' } });
  });

  it('ignores and reports unknown elements, duplicates and stray text', () => {
    const r = parseNextAction(
      '<action>hi<app>vr</app><priority>1</priority><parameters><id>3</id><id>4</id><phone_list>1</phone_list><foo/></parameters></action>',
    );
    expect(r.action).toEqual({ app: 'vr', id: 3, userParameters: {} });
    expect(r.warnings).toEqual([
      expect.stringContaining('text directly inside <action>'),
      expect.stringContaining('<priority>'),
      expect.stringContaining('duplicate <id>'),
      expect.stringContaining('<phone_list>'),
      expect.stringContaining('<foo>'),
    ]);
  });

  it('drops a user parameter named __proto__', () => {
    const r = parseNextAction(act('hangup', '<user_parameters><__proto__>x</__proto__><ok>1</ok></user_parameters>'));
    expect(r.action.userParameters).toEqual({ ok: '1' });
    expect(Object.getPrototypeOf(r.action.userParameters)).toBe(Object.prototype);
    expect(r.warnings).toHaveLength(1);
  });
});

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<action><app>transfer</app><parameters><destination>&lol3;</destination></parameters></action>`;

const XXE = `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><action><app>&x;</app></action>`;

describe('parseNextAction: failures', () => {
  const cases: Array<[string, string, WebhookErrorCode]> = [
    ['billion laughs', BILLION_LAUGHS, 'doctype'],
    ['external entity', XXE, 'doctype'],
    ['a bare DOCTYPE', '<!DOCTYPE action><action><app>hangup</app></action>', 'doctype'],
    ['an undeclared entity', '<action><app>hangup</app><parameters><p_t>&nbsp;</p_t></parameters></action>', 'xml_parse'],
    ['truncated XML', '<action><app>SurVo</app><parameters><id>75</id>', 'xml_parse'],
    ['truncated inside a tag', '<action><app>SurVo</app><param', 'xml_parse'],
    ['mismatched tags', '<action><app>hangup</action></app>', 'xml_parse'],
    ['two roots', '<action><app>hangup</app></action><action/>', 'xml_parse'],
    ['HTML instead of XML', '<html><body><p>Hello<br></body></html>', 'xml_parse'],
    ['plain text', 'Thanks for calling!', 'xml_parse'],
    ['an empty body', '', 'no_action'],
    ['white space only', ' \r\n\t', 'no_action'],
    ['wrong root', '<response><app>hangup</app></response>', 'wrong_root'],
    ['no <app>', '<action><parameters><id>1</id></parameters></action>', 'no_action'],
    ['an empty <app>', '<action><app>  </app></action>', 'no_action'],
    ['an unknown app', act('conference', '<id>1</id>'), 'unknown_app'],
    ['an app named like an Object property', act('constructor'), 'unknown_app'],
    ['SurVo without id', act('SurVo'), 'missing_param'],
    ['SurVo with an empty id', act('SurVo', '<id></id>'), 'missing_param'],
    ['vr without id', '<action><app>vr</app></action>', 'missing_param'],
    ['voicemail without id', act('voicemail'), 'missing_param'],
    ['findme without id or phone_list', act('findme'), 'missing_param'],
    ['transfer without destination', act('transfer'), 'missing_param'],
    ['id zero', act('SurVo', '<id>0</id>'), 'bad_param'],
    ['negative id', act('vr', '<id>-3</id>'), 'bad_param'],
    ['fractional id', act('vr', '<id>3.5</id>'), 'bad_param'],
    ['signed id', act('vr', '<id>+3</id>'), 'bad_param'],
    ['id with letters', act('voicemail', '<id>seven</id>'), 'bad_param'],
    ['huge id', act('voicemail', '<id>99999999999999999999</id>'), 'bad_param'],
    ['bad destination', act('transfer', '<destination>call me</destination>'), 'bad_param'],
    ['bad phone in the list', act('findme', '<phone_list>2223334444|abc</phone_list>'), 'bad_param'],
    ['empty phone list', act('findme', '<phone_list>| |</phone_list>'), 'bad_param'],
    ['simultaneous 0', act('findme', '<phone_list>2223334444</phone_list><simultaneous>0</simultaneous>'), 'bad_param'],
    ['nextaction 8', act('findme', '<phone_list>2223334444</phone_list><nextaction>8</nextaction>'), 'bad_param'],
    ['bad nextactionitem', act('findme', '<phone_list>2223334444</phone_list><nextaction>2</nextaction><nextactionitem>x</nextactionitem>'), 'bad_param'],
    ['record 2', act('findme', '<phone_list>2223334444</phone_list><record>2</record>'), 'bad_param'],
    ['screen_method 4', act('findme', '<phone_list>2223334444</phone_list><screen_method>4</screen_method>'), 'bad_param'],
    ['auto_accept -1', act('findme', '<phone_list>2223334444</phone_list><auto_accept>-1</auto_accept>'), 'bad_param'],
    ['whisper_audio with a path', act('findme', '<phone_list>2223334444</phone_list><whisper_audio>../../etc/passwd</whisper_audio>'), 'bad_param'],
    ['over 64 KiB', act('hangup', `<p_t>${'x'.repeat(64 * 1024)}</p_t>`), 'too_large'],
    ['too deeply nested', `<action><app>hangup</app>${'<a>'.repeat(40)}${'</a>'.repeat(40)}</action>`, 'xml_parse'],
  ];
  it.each(cases)('%s -> %s', (_what, body, code) => {
    expect(() => parseNextAction(body)).toThrow(expect.objectContaining({ name: 'WebhookError', code }));
  });

  it('accepts a body of exactly 64 KiB', () => {
    const shell = act('hangup', '<p_t></p_t>');
    const body = act('hangup', `<p_t>${'x'.repeat(64 * 1024 - shell.length)}</p_t>`);
    expect(Buffer.byteLength(body)).toBe(64 * 1024);
    expect(parseNextAction(body).action.app).toBe('hangup');
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    const body = act('hangup', `<p_t>${'é'.repeat(33 * 1024)}</p_t>`);
    expect(body.length).toBeLessThan(64 * 1024);
    expect(() => parseNextAction(body)).toThrow(expect.objectContaining({ code: 'too_large' }));
  });

  it('names the problem in the message', () => {
    expect(() => parseNextAction(act('SurVo', '<id>abc</id>'))).toThrow(/<id> of app "SurVo" must be a positive integer, got "abc"/);
    expect(() => parseNextAction('<response/>')).toThrow(/root element is <response>, expected <action>/);
  });
});
