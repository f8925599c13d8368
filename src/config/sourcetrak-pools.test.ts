/** `sourcetrak_pools` in the flows file: what loads, and each mistake named by file, line and key. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseFlows } from './flows.js';

const BASE = [
  'numbers:',
  '  "8005550161": ivr/1',
  '  "8005550162": ivr/1',
  '  "8005550163": ivr/1',
  'ivrs:',
  '  - { id: 1, questions: [{ type: say, prompt: Hi }] }',
  'sourcetrak_pools:',
].join('\n');
// The first pool line given is line 8 of the file.

function errorsOf(pools: string): string[] {
  try {
    parseFlows(`${BASE}\n${pools}\n`, 'f.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError, the flows loaded');
}

describe('sourcetrak_pools', () => {
  it('loads a pool with its defaults: the first number is the default, every other key written out', () => {
    const flows = parseFlows(`${BASE}\n  - { name: web, numbers: ["8005550161", 8005550162], activity_keyword: seo, domains: [Example.com], domain_set_id: 7, campaign: spring, platform: google }\n`, 'f.yaml');
    expect(flows.sourcetrakPools?.get('web')).toEqual({
      name: 'web',
      numbers: ['8005550161', '8005550162'],
      defaultNumber: '8005550161',
      sourceguardNumbers: [],
      activityKeyword: 'seo',
      domains: ['example.com'],
      domainSetId: 7,
      campaign: 'spring',
      platform: 'google',
      locations: [],
      replaceNumbers: [],
      holdMinutes: 30,
    });
  });

  it.each([
    ['a pool with no numbers', '  - { name: web, numbers: [], domains: [example.com] }', ['f.yaml:8: sourcetrak_pools[0].numbers: a pool needs at least one number to show visitors']],
    [
      'a number in two pools',
      '  - { name: web, numbers: ["8005550161", "8005550162"], domains: [example.com] }\n  - name: ppc\n    numbers: ["8005550163", "8005550162"]\n    domains: [example.com]',
      ['f.yaml:10: sourcetrak_pools[1].numbers[1]: 8005550162 is already in pool "web" (line 8): a number belongs to one pool, once'],
    ],
    [
      'a number twice in one pool',
      '  - name: web\n    numbers: ["8005550161", "8005550162", "8005550162"]\n    domains: [example.com]',
      ['f.yaml:9: sourcetrak_pools[0].numbers[2]: 8005550162 is already in this pool (line 9): a number belongs to one pool, once'],
    ],
    [
      'a number nobody answers',
      '  - { name: web, numbers: ["8005550161", "8005550199"], domains: [example.com] }',
      ['f.yaml:8: sourcetrak_pools[0].numbers[1]: 8005550199 is not routed under numbers: a visitor shown it could call and reach nothing'],
    ],
    [
      'only the default number',
      '  - { name: web, numbers: ["8005550161"], domains: [example.com] }',
      ['f.yaml:8: sourcetrak_pools[0].numbers: no number left to show tracked visitors: 8005550161 is the default number (for visitors who ask not to be tracked); add numbers, or make default_number another routed number such as your main line'],
    ],
    [
      'two pools of one name',
      '  - { name: web, numbers: ["8005550161", "8005550162"], domains: [example.com] }\n  - { name: web, numbers: ["8005550163"], default_number: "8005550199", domains: [example.com] }',
      [
        'f.yaml:9: sourcetrak_pools[1].name: duplicate pool name "web" (first defined at line 8)',
        'f.yaml:9: sourcetrak_pools[1].default_number: 8005550199 is not routed under numbers: a visitor shown it could call and reach nothing',
      ],
    ],
    ['no domains', '  - { name: web, numbers: ["8005550161", "8005550162"], domains: [] }', ['f.yaml:8: sourcetrak_pools[0].domains: must not be empty']],
    ['a URL for a domain', '  - { name: web, numbers: ["8005550161", "8005550162"], domains: ["https://example.com/"] }', ['f.yaml:8: sourcetrak_pools[0].domains[0]: expected a host name such as example.com (no scheme, port or path)']],
  ])('refuses %s', (_name, pools, expected) => {
    expect(errorsOf(pools)).toEqual(expected);
  });

  it('lets default_number be a routed number outside the pool, which then keeps all its numbers in rotation', () => {
    const flows = parseFlows(`${BASE}\n  - { name: web, numbers: ["8005550162"], default_number: "8005550161", domains: [example.com] }\n`, 'f.yaml');
    expect(flows.sourcetrakPools?.get('web')?.defaultNumber).toBe('8005550161');
  });

  it('lets post-call actions send the call.st_* fields', () => {
    expect(() => parseFlows(`${BASE}\n  - { name: web, numbers: ["8005550161", "8005550162"], domains: [example.com] }\npost_call_actions:\n  - { url: "http://h/x", parameters: [{ name: r, value: call.st_rank }, { name: c, value: call.st_campaign }] }\n`, 'f.yaml')).not.toThrow();
  });
});
