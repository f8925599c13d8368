import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { currentCallScope, installProcessNet, runInCallScope } from './fault-net.js';

const captureLogger = () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info', base: undefined }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
};

describe('the process-level net', () => {
  it('ends the call a fault happened in, once, and names it in the log', async () => {
    const target = new EventEmitter();
    const { logger, lines } = captureLogger();
    const uninstall = installProcessNet({ logger, target });
    const end = vi.fn();
    runInCallScope({ sessionId: 's1', end }, () => {
      target.emit('uncaughtException', new Error('boom'));
      target.emit('unhandledRejection', new Error('again'));
    });
    expect(end).toHaveBeenCalledOnce();
    expect(lines.map((l) => [l.sessionId, l.fault])).toEqual([['s1', 'uncaughtException'], ['s1', 'unhandledRejection']]);
    uninstall();
    expect(target.listenerCount('uncaughtException')).toBe(0);
  });

  it('logs a fault outside any call and goes on, but exits on a burst of them', () => {
    const target = new EventEmitter();
    const { logger, lines } = captureLogger();
    const exit = vi.fn();
    let t = 0;
    installProcessNet({ logger, target, burstLimit: 3, burstWindowMs: 1000, now: () => t, exit });
    for (let i = 0; i < 3; i++) target.emit('uncaughtException', new Error(`e${i}`));
    expect(exit).not.toHaveBeenCalled();
    t = 2000; // the window has passed: counting starts again
    for (let i = 0; i < 3; i++) target.emit('uncaughtException', new Error(`f${i}`));
    expect(exit).not.toHaveBeenCalled();
    target.emit('uncaughtException', new Error('one too many'));
    expect(exit).toHaveBeenCalledWith(70);
    expect(lines.at(-1)?.level).toBe(60);
  });

  it('keeps a real process alive: a throw from a call timer and a call rejection end only those calls', () => {
    // A child process, since vitest has process handlers of its own.
    const net = fileURLToPath(new URL('./fault-net.ts', import.meta.url));
    const script = `
      import { pino } from 'pino';
      const { installProcessNet, runInCallScope } = await import(${JSON.stringify(net)});
      installProcessNet({ logger: pino({ base: undefined }, process.stderr) });
      const ended = [];
      const call = (id) => ({ sessionId: id, end: () => ended.push(id) });
      runInCallScope(call('timer'), () => setTimeout(() => { throw new Error('from a timer'); }, 5));
      runInCallScope(call('promise'), () => void (async () => { await null; throw new Error('rejected'); })());
      runInCallScope(call('innocent'), () => setTimeout(() => {}, 5));
      setTimeout(() => console.log(JSON.stringify(ended.sort())), 50);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual(['promise', 'timer']);
    expect(r.stderr).toMatch(/"sessionId":"timer".*uncaughtException in a call/);
  });

  it('has no scope outside runInCallScope', () => {
    expect(currentCallScope()).toBeUndefined();
    expect(runInCallScope({ sessionId: 'x', end: () => undefined }, () => currentCallScope()?.sessionId)).toBe('x');
  });
});
