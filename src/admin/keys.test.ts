import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCallInitiationApi } from '../api/initiate-api.js';
import { RecordingInitiator } from '../api/initiate-testing.js';
import { FakeClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { ApiKeys, hashKey } from './keys.js';

describe('ApiKeys', () => {
  let store: Store;
  let clock: FakeClock;
  let keys: ApiKeys;
  beforeEach(async () => {
    clock = new FakeClock(Date.UTC(2026, 11, 6));
    store = await createSqliteStore(':memory:', { clock });
    keys = new ApiKeys(store.apiKeys, 'env-key-123', clock);
  });
  afterEach(() => store.close());

  it('knows HOOKLINE_API_KEY with every scope, stored keys with theirs, and nothing else', async () => {
    expect([...((await keys.authenticate('env-key-123'))?.scopes ?? [])]).toEqual(['read', 'calls', 'admin']);
    const { key, record } = await keys.create('crm', ['calls']);
    expect(await keys.authenticate(key)).toMatchObject({ kind: 'api_key', name: 'crm', keyId: record.id });
    expect(await keys.authenticate(key.slice(0, -1))).toBeUndefined();
    expect(await keys.authenticate('')).toBeUndefined();
    expect(await keys.authenticate(undefined)).toBeUndefined();
    // Only the hash is kept.
    expect(JSON.stringify(await store.apiKeys.list())).not.toContain(key);
    expect(await store.apiKeys.byHash(hashKey(key))).toBeDefined();
  });

  it('notes when a key was last used, at most once a minute', async () => {
    const { key, record } = await keys.create('crm', ['read']);
    await keys.authenticate(key);
    const first = (await store.apiKeys.list())[0]?.lastUsedAt;
    expect(first).toEqual(new Date(clock.now()));
    clock.advance(30_000);
    await keys.authenticate(key);
    expect((await store.apiKeys.list())[0]?.lastUsedAt).toEqual(first);
    clock.advance(31_000);
    await keys.authenticate(key);
    expect((await store.apiKeys.list())[0]?.lastUsedAt).toEqual(new Date(clock.now()));
    await keys.delete(record.id);
    expect(await keys.authenticate(key)).toBeUndefined();
  });

  it('lets keys with the calls scope place calls through the original forms, and no others', async () => {
    const initiator = new RecordingInitiator();
    const app = createCallInitiationApi({ apiKey: 'env-key-123', authorize: (k) => keys.mayPlaceCalls(k), initiator, logger: silentLogger });
    const calls = (await keys.create('web', ['calls'])).key;
    const reader = (await keys.create('reports', ['read'])).key;
    const ask = (key: string): Promise<string> =>
      Promise.resolve(app.request(`/click_to_xyz.php?app=cts&survo_id=10&phone_to_call=3125550101&key=${key}`)).then((r) => r.text());
    expect(await ask(calls)).toBe('Call Connected.');
    expect(await ask(reader)).not.toBe('Call Connected.');
    expect(await ask('env-key-123')).toBe('Call Connected.');
    expect(initiator.requests).toHaveLength(2);
    const bearer = await app.request('/api/v1/calls', { method: 'POST', headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(bearer.status).toBe(401);
  });
});
