import { describe, expect, it } from 'vitest';
import { onPreemptionPoint, preemptionPoint } from './preempt.js';

describe('preemption points', () => {
  it('run every registered handler until it is removed', () => {
    const calls: string[] = [];
    const offA = onPreemptionPoint(() => calls.push('a'));
    const offB = onPreemptionPoint(() => calls.push('b'));
    preemptionPoint();
    offA();
    preemptionPoint();
    offB();
    preemptionPoint();
    expect(calls).toEqual(['a', 'b', 'b']);
  });
});
