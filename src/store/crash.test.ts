import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hookline-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer until it reports "ready", SIGKILLs it, and returns what it reported. */
async function writeThenKill(
  path: string,
  sessionId: string,
  uncommittedSessionId: string,
): Promise<{ responseId: number; outboxId: number }> {
  const script = join(here, 'testdata', 'crash-writer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, path, sessionId, uncommittedSessionId], {
    // The project root, where `--import tsx` resolves from, whatever directory vitest was started in.
    cwd: join(here, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const ready = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = /^ready (.*)$/m.exec(out);
      if (line?.[1] !== undefined) resolve(line[1]);
    });
    child.on('exit', (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return JSON.parse(ready) as { responseId: number; outboxId: number };
}

describe('durability across a process crash', () => {
  it('keeps every awaited write after SIGKILL, and loses only the uncommitted one', async () => {
    const path = join(dir, 'data', 'hookline.sqlite');
    const sessionId = '0123456789abcdef0123456789abcdef';
    const uncommitted = 'f'.repeat(32);
    const { responseId, outboxId } = await writeThenKill(path, sessionId, uncommitted);

    // The writer never closed the database, so its commits are still in the WAL, not checkpointed
    // into the main file: reopening must replay them.
    expect(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0).toBe(true);

    const store = await createSqliteStore(path);
    try {
      expect(await store.calls.get(sessionId)).toMatchObject({ sessionId, passThrough: 'crash=1' });
      expect(await store.interactions.forSession(sessionId)).toMatchObject([{ responseId, ivrId: 7 }]);
      expect((await store.interactions.answers(responseId)).map((a) => [a.questionNo, a.value, a.keys])).toEqual([
        [1, '11', '11#'],
        [2, '22', '22#'],
        [3, '33', '33#'],
      ]);
      expect(await store.outbox.get(outboxId)).toMatchObject({ state: 'delivered' });
      expect(await store.outbox.due(new Date(10_000), 10)).toEqual([]);
      expect(await store.calls.get(uncommitted)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
