/**
 * The cases for several nodes on one database (migration 009): which node runs a call, the recovery
 * that only closes this node's calls, outbox items claimed with a lease, the configuration revision and
 * the heartbeats. SQLite runs them with two stores on one file, Postgres with two pools on one database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import type { CallRecord, Store } from './types.js';

/** Opens stores on one shared, empty database, each as the node named. */
export type SharedStoreFactory = (ctx: { clock: FakeClock }) => Promise<(nodeId: string) => Promise<Store>>;

const T0 = Date.UTC(2026, 11, 9, 12, 0, 0);
const at = (ms: number): Date => new Date(T0 + ms);
const sid = (n: number): string => n.toString(16).padStart(32, '0');
const call = (n: number, over: Partial<CallRecord> = {}): CallRecord => ({
  sessionId: sid(n), direction: 'inbound', from: '+13125550100', to: '+18005550100', startedAt: at(n * 1000), passThrough: '', monitoredSeconds: 0, ...over,
});
const LEASE = 60_000;

export function runNodesStoreSuite(name: string, shared: SharedStoreFactory): void {
  describe(`Store contract (nodes): ${name}`, () => {
    let clock: FakeClock;
    let a: Store;
    let b: Store;
    beforeEach(async () => {
      clock = new FakeClock(T0);
      const open = await shared({ clock });
      a = await open('node-a');
      b = await open('node-b');
    });
    afterEach(async () => {
      await a.close();
      await b.close();
    });

    it('stamps each call with the node that created it, and every node reads it', async () => {
      await a.calls.create(call(1));
      await b.calls.create(call(2));
      expect(a.nodeId).toBe('node-a');
      expect(await b.calls.get(sid(1))).toEqual({ ...call(1), nodeId: 'node-a' });
      expect(await a.calls.get(sid(2))).toEqual({ ...call(2), nodeId: 'node-b' });
      expect((await a.calls.list(10)).map((c) => c.nodeId)).toEqual(['node-b', 'node-a']);
    });

    it('lists the calls in progress on every node, newest first', async () => {
      await a.calls.create(call(1));
      await b.calls.create(call(2));
      await a.calls.create(call(3, { endedAt: at(9000), endReason: 'hangup' }));
      expect((await a.history.inProgress(10)).map((c) => [c.sessionId, c.nodeId])).toEqual([[sid(2), 'node-b'], [sid(1), 'node-a']]);
      expect(await b.history.inProgress(1)).toHaveLength(1);
    });

    it('recovers only its own calls: another node\'s open calls are calls it is running', async () => {
      await a.calls.create(call(1));
      await b.calls.create(call(2));
      expect((await b.recovery.unfinishedCalls(10)).map((u) => u.call.sessionId)).toEqual([sid(2)]);
      expect(await b.recovery.closeInterrupted(sid(1), at(5000), 'interrupted')).toBe(false);
      expect((await a.calls.get(sid(1)))?.endedAt).toBeUndefined();
      expect(await a.recovery.closeInterrupted(sid(1), at(5000), 'interrupted')).toBe(true);
    });

    describe('outbox claims', () => {
      const item = (n: number) => ({ kind: 'post_call', payload: `{"n":${n}}`, nextAttemptAt: at(0), expiresAt: at(86_400_000) });

      it('hands each due item to one node while its lease runs, oldest first', async () => {
        const ids: number[] = [];
        for (let n = 0; n < 3; n++) {
          ids.push(await a.outbox.enqueue(item(n)));
          clock.advance(1);
        }
        const mine = await a.outbox.claim(new Date(clock.now()), 2, LEASE);
        expect(mine.map((i) => i.id)).toEqual(ids.slice(0, 2));
        expect(mine[0]).toMatchObject({ claimedBy: 'node-a', leaseUntil: new Date(clock.now() + LEASE) });
        expect((await b.outbox.claim(new Date(clock.now()), 10, LEASE)).map((i) => i.id)).toEqual([ids[2]]);
        expect(await a.outbox.claim(new Date(clock.now()), 10, LEASE)).toEqual([]);
        expect(await b.outbox.claim(new Date(clock.now()), 10, LEASE)).toEqual([]);
        // `due` is a look, not a claim: it still shows them.
        expect(await a.outbox.due(new Date(clock.now()), 10)).toHaveLength(3);
      });

      it('gives a dead node\'s items to another once the lease ran out, and the late node cannot reschedule them', async () => {
        const id = await a.outbox.enqueue(item(1));
        await a.outbox.claim(new Date(clock.now()), 10, LEASE);
        clock.advance(LEASE - 1);
        expect(await b.outbox.claim(new Date(clock.now()), 10, LEASE)).toEqual([]);
        clock.advance(2);
        expect((await b.outbox.claim(new Date(clock.now()), 10, LEASE)).map((i) => i.id)).toEqual([id]);
        // node-a wakes up late: its retry must not free node-b's claim (node-b is sending it now)...
        await a.outbox.markRetry(id, at(1), 'late timeout');
        expect(await a.outbox.get(id)).toMatchObject({ claimedBy: 'node-b', attempts: 0 });
        await a.outbox.markFailed(id, 'late');
        expect(await a.outbox.get(id)).toMatchObject({ state: 'pending' });
        // ...but a 2xx it got is final, whoever holds the claim: nothing is sent again after a 2xx.
        await a.outbox.markDelivered(id);
        expect(await b.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 1 });
        expect(await b.outbox.get(id)).not.toHaveProperty('claimedBy');
        await b.outbox.markRetry(id, at(1), 'too late');
        expect(await b.outbox.get(id)).toMatchObject({ state: 'delivered' });
      });

      it('frees the claim with the outcome, so the retry is anyone\'s when due', async () => {
        const id = await a.outbox.enqueue(item(1));
        await a.outbox.claim(new Date(clock.now()), 10, LEASE);
        await a.outbox.markRetry(id, at(30_000), 'HTTP 500');
        expect(await a.outbox.get(id)).not.toHaveProperty('claimedBy');
        expect(await b.outbox.claim(new Date(clock.now()), 10, LEASE)).toEqual([]); // not due yet
        clock.advance(30_000);
        expect((await b.outbox.claim(new Date(clock.now()), 10, LEASE)).map((i) => i.id)).toEqual([id]);
      });

      it('frees a node\'s own claims at its start, leaving the others\'', async () => {
        const x = await a.outbox.enqueue(item(1));
        const y = await a.outbox.enqueue(item(2));
        await a.outbox.claim(new Date(clock.now()), 1, LEASE);
        await b.outbox.claim(new Date(clock.now()), 1, LEASE);
        expect(await a.outbox.releaseClaims()).toBe(1);
        expect(await a.outbox.get(x)).not.toHaveProperty('claimedBy');
        expect(await a.outbox.get(y)).toMatchObject({ claimedBy: 'node-b' });
      });

      it('splits a backlog between nodes claiming at the same time, each item once', async () => {
        const ids = new Set<number>();
        for (let n = 0; n < 30; n++) ids.add(await a.outbox.enqueue(item(n)));
        const take = async (s: Store): Promise<number[]> => {
          const got: number[] = [];
          for (;;) {
            const batch = await s.outbox.claim(new Date(clock.now()), 3, LEASE);
            if (batch.length === 0) return got;
            got.push(...batch.map((i) => i.id));
          }
        };
        const [ga, gb] = await Promise.all([take(a), take(b)]);
        const all = [...ga, ...gb];
        expect(all.length).toBe(30);
        expect(new Set(all)).toEqual(ids);
      });
    });

    it('moves the configuration revision with each write that changed something, seen by every node', async () => {
      const r0 = await b.config.revision();
      await a.config.put({ kind: 'ivr', key: '1', body: '{}' });
      expect(await b.config.revision()).toBe(r0 + 1);
      expect(await a.config.put({ kind: 'ivr', key: '1', body: '{"x":1}' }, { body: 'stale' })).toBe(false);
      expect(await a.config.delete('ivr', 'nope')).toBe(false);
      expect(await b.config.revision()).toBe(r0 + 1);
      await a.config.delete('ivr', '1');
      expect(await b.config.revision()).toBe(r0 + 2);
    });

    it('keeps each node\'s last heartbeat', async () => {
      await a.nodes.heartbeat({ startedAt: at(0), sip: '127.0.0.1:5071', http: 'http://127.0.0.1:8081' });
      clock.advance(5000);
      await b.nodes.heartbeat({ startedAt: at(1000), sip: '127.0.0.1:5072', http: '' });
      await a.nodes.heartbeat({ startedAt: at(0), sip: '127.0.0.1:5071', http: 'http://127.0.0.1:8081' });
      expect(await b.nodes.list()).toEqual([
        { nodeId: 'node-a', startedAt: at(0), seenAt: at(5000), sip: '127.0.0.1:5071', http: 'http://127.0.0.1:8081' },
        { nodeId: 'node-b', startedAt: at(1000), seenAt: at(5000), sip: '127.0.0.1:5072', http: '' },
      ]);
    });

    it('keeps the load each heartbeat reports, the last one only', async () => {
      await a.nodes.heartbeat({ startedAt: at(0), sip: '', http: '', load: { calls: 3, maxCalls: 0, mediaLateMs: 1.5, refused: 0, sipUdpDrops: 0 } });
      await b.nodes.heartbeat({ startedAt: at(0), sip: '', http: '', load: { calls: 250, maxCalls: 250, mediaLateMs: 41, refused: 7 } });
      await a.nodes.heartbeat({ startedAt: at(0), sip: '', http: '', load: { calls: 4, maxCalls: 0, mediaLateMs: 2, loopLagMs: 63.5, refused: 1, sipUdpDrops: 12 } });
      const byId = new Map((await b.nodes.list()).map((n) => [n.nodeId, n.load]));
      expect(byId.get('node-a')).toEqual({ calls: 4, maxCalls: 0, mediaLateMs: 2, loopLagMs: 63.5, refused: 1, sipUdpDrops: 12 });
      expect(byId.get('node-b')).toEqual({ calls: 250, maxCalls: 250, mediaLateMs: 41, refused: 7 });
      // A heartbeat that says nothing of its load (an older version's) leaves none to show.
      await b.nodes.heartbeat({ startedAt: at(0), sip: '', http: '' });
      expect((await a.nodes.list()).find((n) => n.nodeId === 'node-b')).not.toHaveProperty('load');
    });

    it('forgets a node gone before the given time, and not one that beat since', async () => {
      await a.nodes.heartbeat({ startedAt: at(0), sip: '', http: '' });
      await b.nodes.heartbeat({ startedAt: at(0), sip: '', http: '' });
      const beatAt = clock.now();
      clock.advance(60_000);
      await a.nodes.heartbeat({ startedAt: at(0), sip: '', http: '' });
      expect(await b.nodes.forget('node-a', new Date(beatAt + 1))).toBe(false); // it beat since
      expect(await a.nodes.forget('node-b', new Date(beatAt + 1))).toBe(true);
      expect(await a.nodes.forget('node-b', new Date(beatAt + 1))).toBe(false); // no such row now
      expect((await a.nodes.list()).map((n) => n.nodeId)).toEqual(['node-a']);
    });
  });
}
