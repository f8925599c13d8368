/** SourceTrak pools through the Administration API: managed like every other item, named by `name`. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigService } from '../../admin/config-service.js';
import { parseFlows } from '../../config/flows.js';
import { silentLogger } from '../../lib/logger.js';
import { createSqliteStore } from '../../store/sqlite.js';
import { registerConfigRoutes } from './config-routes.js';
import { adminTestKit, type AdminTestKit } from './testing.js';

const FILE = `
numbers:
  "8005550161": ivr/10
  "8005550162": ivr/10
  "8005550163": ivr/10
  "8005550164": ivr/10
ivrs:
  - { id: 10, questions: [{ type: say, prompt: Hi }] }
sourcetrak_pools:
  - { name: file-pool, numbers: ["8005550161", "8005550162"], domains: [example.com] }
`;

describe('SourceTrak pools in the Administration API', () => {
  let kit: AdminTestKit;
  let config: ConfigService;
  beforeEach(async () => {
    const store = await createSqliteStore(':memory:');
    config = await ConfigService.open({ file: parseFlows(FILE, 'flows.yaml'), repo: store.config, logger: silentLogger });
    kit = await adminTestKit(() => [(router) => registerConfigRoutes(router, config)], { store });
  });
  afterEach(() => kit.close());

  it('makes a pool by name, writes every default out, and serves it to the next lookup', async () => {
    const made = await kit.request('PUT', '/sourcetrak-pools/web', { json: { numbers: ['8005550163', '8005550164'], domains: ['shop.example.com'], campaign: 'spring' } });
    expect(made.status, await made.clone().text()).toBe(201);
    expect(await made.json()).toEqual({
      name: 'web',
      numbers: ['8005550163', '8005550164'],
      default_number: '8005550163',
      sourceguard_numbers: [],
      activity_keyword: '',
      domains: ['shop.example.com'],
      campaign: 'spring',
      platform: '',
      locations: [],
      replace_numbers: [],
      hold_minutes: 30,
    });
    expect(config.current().sourcetrakPools?.get('web')?.numbers).toEqual(['8005550163', '8005550164']);
    const list = (await (await kit.request('GET', '/sourcetrak-pools')).json()) as { items: Array<{ managed_by: string; value: { name: string } }> };
    expect(list.items.map((i) => [i.value.name, i.managed_by])).toEqual([['file-pool', 'file'], ['web', 'api']]);
    expect((await kit.request('DELETE', '/sourcetrak-pools/web')).status).toBe(204);
    expect(config.current().sourcetrakPools?.has('web')).toBe(false);
  });

  it('refuses a number another pool has, naming where, and leaves the file\'s pool alone', async () => {
    const taken = await kit.request('POST', '/sourcetrak-pools', { json: { name: 'web', numbers: ['8005550163', '8005550161'], domains: ['example.com'] } });
    expect(taken.status).toBe(422);
    const problem = (await taken.json()) as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors).toEqual([{ path: 'numbers[1]', message: '8005550161 is already in pool "file-pool" (sourcetrak_pools[0].numbers[0]): a number belongs to one pool, once' }]);
    expect((await kit.request('PUT', '/sourcetrak-pools/file-pool', { json: { numbers: ['8005550163', '8005550164'], domains: ['example.com'] } })).status).toBe(409);
    const empty = await kit.request('POST', '/sourcetrak-pools', { json: { name: 'none', numbers: [], domains: ['example.com'] } });
    expect(((await empty.json()) as { errors: unknown[] }).errors).toEqual([{ path: 'numbers', message: 'a pool needs at least one number to show visitors' }]);
  });
});
