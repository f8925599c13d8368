import { afterEach, describe, expect, it } from 'vitest';
import { secondSignal, shutdownRequested } from './shutdown.js';

// process.emit runs the listeners only: nothing here can end the test process.
const listeners = (): number => process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
const before = listeners();
afterEach(() => expect(listeners()).toBe(before));

describe('shutdown signals', () => {
  it('the first SIGTERM or SIGINT asks for the shutdown, and stops listening', async () => {
    const asked = shutdownRequested({ exitWithParent: false });
    expect(listeners()).toBe(before + 2);
    process.emit('SIGTERM');
    expect(await asked).toBe('SIGTERM');
  });

  it('during the drain, the next one runs the callback once, then nothing listens: a third ends the process', () => {
    let calls = 0;
    secondSignal(() => calls++);
    expect(listeners()).toBe(before + 2);
    process.emit('SIGINT');
    expect(calls).toBe(1);
    expect(listeners()).toBe(before);
  });

  it('is removed when the drain ends first', () => {
    let calls = 0;
    const off = secondSignal(() => calls++);
    off();
    expect(listeners()).toBe(before);
    expect(calls).toBe(0);
  });
});
