import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withCallerAudio } from './sipp.js';

const scenario = (name: string): string => readFileSync(path.join(import.meta.dirname, '..', 'scenarios', name), 'utf8');
const ivr = scenario('ivr-uac.xml');

describe('withCallerAudio (--caller-audio)', () => {
  it('starts the loop once the call is up: after the ACK, before the hold and the keys', () => {
    const x = withCallerAudio(ivr, '/tmp/run-1/caller.ulaw', 'ivr-uac.xml');
    expect(x).toContain('<exec rtp_stream="/tmp/run-1/caller.ulaw,-1,0"/>');
    expect(x).not.toContain('CALLER_AUDIO');
    const at = x.indexOf('rtp_stream=');
    expect(at).toBeGreaterThan(x.indexOf('ACK [next_url]'));
    expect(at).toBeLessThan(x.indexOf('<pause/>'));
    expect(at).toBeLessThan(x.indexOf('play_pcap_audio'));
    // Nothing else of the scenario moved.
    expect(x.split('\n').length).toBe(ivr.split('\n').length);
  });

  it("puts the short calls' loop after their ACK and before their key", () => {
    const short = scenario('short-ivr-uac.xml');
    const x = withCallerAudio(short, '/tmp/run-1/caller.ulaw', 'short-ivr-uac.xml');
    const at = x.indexOf('<exec rtp_stream="/tmp/run-1/caller.ulaw,-1,0"/>');
    expect(at).toBeGreaterThan(x.indexOf('ACK [next_url]'));
    expect(at).toBeLessThan(x.indexOf('<pause/>'));
    expect(at).toBeLessThan(x.indexOf('play_pcap_audio'));
    expect(x.split('\n').length).toBe(short.split('\n').length);
  });

  it('refuses a scenario without the place for it, and a path SIPp would split or XML would break', () => {
    expect(() => withCallerAudio('<scenario/>', '/tmp/a.ulaw', 'short-uac.xml')).toThrow(/short-uac.xml has no CALLER_AUDIO/);
    expect(() => withCallerAudio(ivr, '/tmp/a,b.ulaw', 'ivr-uac.xml')).toThrow(/cannot take/);
    expect(() => withCallerAudio(ivr, '/tmp/a"b.ulaw', 'ivr-uac.xml')).toThrow(/cannot take/);
  });
});
