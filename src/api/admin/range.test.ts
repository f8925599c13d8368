import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { fileRangeSource, parseRange, rangeResponse } from './range.js';

describe('parseRange', () => {
  it.each([
    [undefined, 100, { kind: 'none' }],
    ['bytes=0-', 100, { kind: 'range', start: 0, end: 99 }],
    ['bytes=10-19', 100, { kind: 'range', start: 10, end: 19 }],
    ['bytes=90-500', 100, { kind: 'range', start: 90, end: 99 }],
    ['bytes=-30', 100, { kind: 'range', start: 70, end: 99 }],
    ['bytes=-300', 100, { kind: 'range', start: 0, end: 99 }],
    ['BYTES = 5 - 6', 100, { kind: 'range', start: 5, end: 6 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=20-10', 100, { kind: 'none' }],
    ['bytes=0-1,5-6', 100, { kind: 'none' }],
    ['items=0-1', 100, { kind: 'none' }],
    ['bytes=-', 100, { kind: 'none' }],
  ] as const)('%s of %i bytes → %j', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('rangeResponse over a file', () => {
  let path: string;
  let app: Hono;
  const content = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

  beforeEach(async () => {
    path = join(await mkdtemp(join(tmpdir(), 'hookline-range-')), 'a.wav');
    await writeFile(path, content);
    app = new Hono();
    app.get('/f', async (c) => rangeResponse(c, await fileRangeSource(path, 'audio/wav', { contentDisposition: 'inline; filename="a.wav"' })));
  });

  const get = (headers: Record<string, string> = {}) => app.request('/f', { headers });
  const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());

  it('sends the whole file, saying that ranges are accepted', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('Accept-Ranges')).toBe('bytes');
    expect(res.headers.get('Content-Type')).toBe('audio/wav');
    expect(res.headers.get('Content-Length')).toBe('1000');
    expect(res.headers.get('Content-Disposition')).toBe('inline; filename="a.wav"');
    expect(res.headers.get('ETag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect(await bytes(res)).toEqual(content);
  });

  it('sends one range as 206 with Content-Range, as a seeking <audio> asks', async () => {
    const res = await get({ Range: 'bytes=100-199' });
    expect(res.status).toBe(206);
    expect(res.headers.get('Content-Range')).toBe('bytes 100-199/1000');
    expect(res.headers.get('Content-Length')).toBe('100');
    expect(await bytes(res)).toEqual(content.subarray(100, 200));

    const tail = await get({ Range: 'bytes=-10' });
    expect(tail.headers.get('Content-Range')).toBe('bytes 990-999/1000');
    expect(await bytes(tail)).toEqual(content.subarray(990));
  });

  it('answers 416 with the size for a range past the end', async () => {
    const res = await get({ Range: 'bytes=1000-' });
    expect(res.status).toBe(416);
    expect(res.headers.get('Content-Range')).toBe('bytes */1000');
  });

  it('sends the whole file for several ranges, or a range of a file replaced since (If-Range)', async () => {
    expect((await get({ Range: 'bytes=0-1,10-11' })).status).toBe(200);
    const etag = (await get()).headers.get('ETag')!;
    expect((await get({ Range: 'bytes=0-9', 'If-Range': etag })).status).toBe(206);

    const next = `${path}.new`;
    await writeFile(next, content.map((b) => 255 - b));
    await rename(next, path);
    const res = await get({ Range: 'bytes=0-9', 'If-Range': etag });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).not.toBe(etag);
    expect((await bytes(res))[0]).toBe(255);
  });

  it('answers 304 to If-None-Match with the current tag', async () => {
    const etag = (await get()).headers.get('ETag')!;
    const res = await get({ 'If-None-Match': `"other", ${etag}` });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    expect((await get({ 'If-None-Match': '"other"' })).status).toBe(200);
  });
});
