import { describe, expect, it } from 'vitest';
import { StreamFramer } from './framing.js';

const msg = (body = '', cl = `Content-Length: ${Buffer.byteLength(body)}`): string =>
  `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n${cl}\r\n\r\n${body}`;

describe('StreamFramer (§18.3)', () => {
  it('cuts messages by Content-Length across arbitrary chunk boundaries', () => {
    const stream = Buffer.from(msg('hello') + msg() + msg('v=0\r\n'));
    for (const size of [1, 3, 7, 64, stream.length]) {
      const f = new StreamFramer();
      const frames: string[] = [];
      for (let i = 0; i < stream.length; i += size) frames.push(...f.push(stream.subarray(i, i + size)).frames.map((b) => b.toString()));
      expect(frames).toEqual([msg('hello'), msg(), msg('v=0\r\n')]);
      expect(f.pending).toBe(0);
    }
  });

  it('answers CRLFCRLF keep-alives and skips stray CRLFs (RFC 5626 §3.5.1, §7.5)', () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from('\r\n\r\n'))).toEqual({ frames: [], pings: 1 });
    const out = f.push(Buffer.from(`\r\n${msg()}`));
    expect(out.frames.map(String)).toEqual([msg()]);
  });

  it('understands the compact form and folding of Content-Length', () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from(msg('abc', 'l:\r\n 3'))).frames).toHaveLength(1);
  });

  it('gives up on a stream it cannot frame, handing the head on for a 400', () => {
    for (const cl of ['Content-Length: -1', 'Content-Length: 1\r\nl: 2', 'Content-Length: 99999999']) {
      const out = new StreamFramer().push(Buffer.from(msg('', cl)));
      expect(out.fatal).toBeTruthy();
      expect(out.frames).toHaveLength(1);
    }
    expect(new StreamFramer({ maxHeaderBytes: 10, maxBodyBytes: 10 }).push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x')).fatal).toBe('header block too large');
  });

  it('holds a TCP peer to 16 KiB of headers and 64 KiB of body, whole or in pieces', () => {
    const big = `OPTIONS sip:a@b SIP/2.0\r\nX-Pad: ${'p'.repeat(17 * 1024)}\r\nContent-Length: 0\r\n\r\n`;
    const whole = new StreamFramer().push(Buffer.from(big));
    expect(whole).toMatchObject({ frames: [], fatal: 'header block too large' });
    const f = new StreamFramer();
    expect(f.push(Buffer.from(big.slice(0, 16 * 1024))).fatal).toBeUndefined();
    expect(f.push(Buffer.from(big.slice(16 * 1024, 16 * 1024 + 100))).fatal).toBe('header block too large');
    expect(new StreamFramer().push(Buffer.from(msg('', `Content-Length: ${64 * 1024 + 1}`))).fatal).toBe('body too large');
    const body = 'b'.repeat(64 * 1024);
    expect(new StreamFramer().push(Buffer.from(msg(body))).frames).toHaveLength(1);
  });
});
