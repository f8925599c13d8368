import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeWav } from '../../media/wav.js';
import { TestReceiver } from '../../webhook/testing.js';
import { ibpKit, rows, SID_A, SID_B, T0, tone, type IbpKit } from './testing.js';

let kit: IbpKit;
afterEach(() => kit.close());

describe('recordings of calls', () => {
  beforeEach(async () => {
    kit = await ibpKit();
    const base = { kind: 'call' as const, durationMs: 30_000, callerId: '+13125550001', createdAt: new Date(T0) };
    await kit.addRecording({ ...base, sessionId: SID_A, path: `recordings/${SID_A}/call-1.wav`, findmeId: 4 }, tone(8000, 1000));
    await kit.addRecording({ ...base, sessionId: SID_B, path: `recordings/${SID_B}/call-2.wav`, findmeId: 5 });
  });

  it('recording.download sends a session’s recorded call as WAV at the rate asked for', async () => {
    const r = await kit.call('recording.download', { type: 'findme', sid: SID_A, format: 'wav' });
    expect([r.contentType, r.headers.get('content-disposition')]).toEqual(['audio/wav', `attachment; filename="${SID_A}.wav"`]);
    expect(Buffer.from(r.bytes)).toEqual(Buffer.from(tone(8000, 1000)));
    expect(decodeWav((await kit.call('recording.download', { sid: SID_A, sample_rate: '22050' })).bytes).sampleRate).toBe(22050);
  });

  it('recording.list lists a Find Me’s recordings', async () => {
    const r = await kit.call('recording.list', { type: 'findme', id: '4' });
    expect(rows(r.xml!, 'recordings').map((x) => [x['sid'], x['recording_name']])).toEqual([[SID_A, 'call-1.wav']]);
  });

  it('recording.remove deletes a session’s recordings at once, noting it when delete_now is not 1', async () => {
    const file = path.join(kit.dataDir, `recordings/${SID_A}/call-1.wav`);
    const r = await kit.call('recording.remove', { sid: SID_A });
    expect(r.get('deleted')).toBe('1');
    expect(r.get('notes/note')).toBe('deleted at once: hookline keeps no deleted recordings for later');
    await expect(stat(file)).rejects.toThrow();
    expect((await kit.call('recording.remove', { sid: SID_B, delete_now: '1' })).get('notes/note')).toBeUndefined();
    expect((await kit.call('recording.download', { sid: SID_A })).description).toBe(`Not Found: no recorded call in session ${SID_A}`);
  });

  it.each([
    ['recording.download', {}, 'Missing Required Parameter: sid'],
    ['recording.download', { sid: 'x' }, 'Invalid Parameter: sid (expected a session id: 32 hexadecimal digits)'],
    ['recording.download', { sid: SID_A, type: 'vmail' }, 'Invalid Parameter: type (expected one of findme)'],
    ['recording.download', { sid: SID_A, format: 'mp3' }, 'Not Offered: format mp3: hookline keeps recordings as WAV and has no MP3 encoder; ask for format=wav'],
    ['recording.download', { sid: SID_A, sample_rate: '12345' }, 'Invalid Parameter: sample_rate (expected one of 8000, 11000, 11025, 16000, 22050, 44100)'],
    ['recording.download', { sid: 'c'.repeat(32) }, `Not Found: no recorded call in session ${'c'.repeat(32)}`],
    ['recording.list', {}, 'Missing Required Parameter: id'],
    ['recording.list', { id: '9' }, 'Not Found: no Find Me with id 9'],
    ['recording.remove', {}, 'Missing Required Parameter: sid'],
    ['recording.remove', { sid: SID_A, delete_now: 'soon' }, 'Invalid Parameter: delete_now (expected 1 or 0)'],
  ])('%s %j: %s', async (action, fields, description) => {
    expect((await kit.call(action, fields)).description).toBe(description);
  });
});

describe('recording.upload', () => {
  let files: TestReceiver;
  const wav = tone(16000, 200);
  beforeEach(async () => {
    kit = await ibpKit();
    files = await TestReceiver.start((r, res) => res.end(r.url === '/notes.txt' ? 'not audio' : Buffer.from(wav)));
  });
  afterEach(() => files.close());

  it('stores the file in the audio library under the URL’s name, for each type that has a use', async () => {
    for (const type of ['general', 'holdmusic', 'whisperaudio']) {
      const r = await kit.call('recording.upload', { type, path: files.url(`/${type}-music.wav`) });
      expect([r.result, r.get('file_name')]).toEqual(['success', `${type}-music.wav`]);
      expect(Buffer.from(await readFile(path.join(kit.dataDir, 'audio', `${type}-music.wav`)))).toEqual(Buffer.from(wav));
    }
    const survo = await kit.call('recording.upload', { type: 'survo', id: '10', path: files.url('/welcome.wav') });
    expect(survo.get('notes/note')).toBe("stored in the audio library; use it in SurVo 10's prompts as { audio: welcome.wav }");
  });

  it('type=vmail makes the file the box’s greeting', async () => {
    const box = (await kit.call('vmail.createbox', { name: 'Sales' })).get('box_id')!;
    const r = await kit.call('recording.upload', { type: 'vmail', id: box, path: files.url('/sales-greeting.wav') });
    expect(r.result).toBe('success');
    expect(kit.config.entry('voicemail', box)!.value['greeting']).toEqual([{ audio: 'sales-greeting.wav' }]);
    // A holdmusic upload is what a Find Me's holdmusic then names.
    await kit.call('recording.upload', { type: 'holdmusic', path: files.url('/hold.wav') });
    expect((await kit.call('findme.create', { numbers: '3125550102', holdmusic: 'hold.wav' })).result).toBe('success');
  });

  it.each([
    [{ path: 'https://example.com/a.wav' }, 'Invalid Parameter: type (required: one of general, survo, voting, holdmusic, vmail, whisperaudio, prompts)'],
    [{ type: 'music', path: 'https://example.com/a.wav' }, 'Invalid Parameter: type (expected one of general, survo, voting, holdmusic, vmail, whisperaudio, prompts)'],
    [{ type: 'voting', path: 'https://example.com/a.wav' }, 'Not Offered: type voting: hookline has no VoteByPhone'],
    [{ type: 'prompts', path: 'https://example.com/a.wav' }, 'Not Offered: type prompts: a hookline Find Me has no advanced audio prompts'],
    [{ type: 'general' }, 'Missing Required Parameter: path'],
    [{ type: 'general', path: 'file:///etc/passwd' }, 'Invalid Parameter: path (expected a public http:// or https:// URL of the file)'],
    [{ type: 'vmail', path: 'https://example.com/a.wav' }, 'Missing Required Parameter: id'],
    [{ type: 'vmail', id: '99', path: 'https://example.com/a.wav' }, 'Not Found: no voicemail box with id 99'],
    [{ type: 'vmail', id: '7', path: 'https://example.com/a.wav' }, 'Not Allowed: voicemail box 7 is defined in the flows file; set its greeting there'],
    [{ type: 'survo', id: '11', path: 'https://example.com/a.wav' }, 'Not Found: no IVR with id 11'],
  ])('%j: %s', async (fields, description) => {
    expect((await kit.call('recording.upload', fields)).description).toBe(description);
  });

  it('refuses what is not audio, what is too large, and what the network policy forbids', async () => {
    expect((await kit.call('recording.upload', { type: 'general', path: files.url('/notes.txt') })).description).toBe(
      'Invalid Parameter: path (the upload is text, not audio; send WAV, MP3, Ogg Vorbis, Ogg Opus or FLAC)',
    );
    const small = await ibpKit({ uploads: { networks: 'all', maxBytes: 100 } });
    expect((await small.call('recording.upload', { type: 'general', path: files.url('/a.wav') })).description).toMatch(/^Invalid Parameter: path \(could not fetch .*: the file is over 100 bytes/);
    await small.close();
    const strict = await ibpKit({ uploads: { networks: 'public' } });
    expect((await strict.call('recording.upload', { type: 'general', path: files.url('/a.wav') })).description).toMatch(/refused by the outbound-request policy\)$/);
    await strict.close();
  });
});
