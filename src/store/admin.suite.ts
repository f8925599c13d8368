/**
 * The cases every Store implementation must pass for the operator's side (configuration items, API
 * keys, console sessions). SQLite runs them in `sqlite.test.ts`, beside runStoreSuite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../lib/clock.js';
import { openStore, type StoreFactory } from './store.suite.js';
import type { Store } from './types.js';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

export function runAdminStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract (admin): ${name}`, () => {
    let clock: FakeClock;
    let store: Store;
    beforeEach(async () => ({ store, clock } = await openStore(factory, T0)));
    afterEach(() => store.close());

    describe('config items', () => {
      const item = { kind: 'ivr', key: '10', body: '{"id":10}' };

      it('creates only when absent, so one of two racing creators wins', async () => {
        expect(await store.config.put(item, { absent: true })).toBe(true);
        expect(await store.config.put({ ...item, body: '{"id":10,"name":"x"}' }, { absent: true })).toBe(false);
        expect((await store.config.all()).map((i) => i.body)).toEqual(['{"id":10}']);
      });

      it('replaces only when the stored body is the one expected', async () => {
        await store.config.put(item);
        expect(await store.config.put({ ...item, body: 'B' }, { body: 'stale' })).toBe(false);
        expect(await store.config.put({ ...item, body: 'B' }, { body: item.body })).toBe(true);
        clock.advance(5);
        expect(await store.config.put({ ...item, body: 'C' })).toBe(true);
        const [row] = await store.config.all();
        expect(row).toEqual({ ...item, body: 'C', updatedAt: new Date(T0 + 5) });
      });

      it('lists by kind then key and deletes with or without a precondition', async () => {
        await store.config.put({ kind: 'number', key: '8005550100', body: '"ivr/10"' });
        await store.config.put(item);
        await store.config.put({ ...item, key: '11' });
        expect((await store.config.all()).map((i) => `${i.kind}/${i.key}`)).toEqual(['ivr/10', 'ivr/11', 'number/8005550100']);
        expect(await store.config.delete('ivr', '10', 'stale')).toBe(false);
        expect(await store.config.delete('ivr', '10', item.body)).toBe(true);
        expect(await store.config.delete('ivr', '10')).toBe(false);
        expect(await store.config.delete('ivr', '11')).toBe(true);
        expect((await store.config.all()).map((i) => i.kind)).toEqual(['number']);
      });
    });

    describe('API keys', () => {
      it('creates, finds by hash, touches, lists and deletes', async () => {
        const k = await store.apiKeys.create({ name: 'crm', prefix: 'hk_abcd', hash: 'h1', scopes: ['read', 'calls'] });
        expect(k).toEqual({ id: k.id, name: 'crm', prefix: 'hk_abcd', scopes: ['read', 'calls'], createdAt: new Date(T0) });
        expect(await store.apiKeys.byHash('nope')).toBeUndefined();
        await store.apiKeys.touch(k.id, new Date(T0 + 1000));
        expect((await store.apiKeys.byHash('h1'))?.lastUsedAt).toEqual(new Date(T0 + 1000));
        await store.apiKeys.create({ name: 'ops', prefix: 'hk_efgh', hash: 'h2', scopes: ['admin'] });
        expect((await store.apiKeys.list()).map((x) => x.name)).toEqual(['crm', 'ops']);
        expect(await store.apiKeys.delete(k.id)).toBe(true);
        expect(await store.apiKeys.delete(k.id)).toBe(false);
        expect(await store.apiKeys.byHash('h1')).toBeUndefined();
      });

      it('refuses two keys with the same hash', async () => {
        await store.apiKeys.create({ name: 'a', prefix: 'p', hash: 'same', scopes: ['read'] });
        await expect(store.apiKeys.create({ name: 'b', prefix: 'p', hash: 'same', scopes: ['read'] })).rejects.toMatchObject({ code: 'constraint' });
      });
    });

    describe('console sessions', () => {
      it('creates, reads, purges expired ones and deletes', async () => {
        const s = { tokenHash: 't1', csrf: 'c1', userName: 'admin', createdAt: new Date(T0), expiresAt: new Date(T0 + 1000) };
        await store.sessions.create(s);
        await store.sessions.create({ ...s, tokenHash: 't2', expiresAt: new Date(T0 + 5000) });
        expect(await store.sessions.get('t1')).toEqual(s);
        expect(await store.sessions.purge(new Date(T0 + 2000))).toBe(1);
        expect(await store.sessions.get('t1')).toBeUndefined();
        await store.sessions.delete('t2');
        expect(await store.sessions.get('t2')).toBeUndefined();
      });
    });
  });
}
