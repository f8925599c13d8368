import { describe, expect, it } from 'vitest';
import { browserOf, isCrawler, osOf } from './user-agent.js';
import { gaClientId, visitData } from './visit-data.js';

describe('visitData', () => {
  it('reads a paid visit: referrer host, search term, landing page without its query, the utm_* values and gclid', () => {
    expect(
      visitData({
        page: 'https://www.example.com/widgets/blue?utm_campaign=spring&utm_source=google&utm_content=ad-7&utm_term=cheap+widgets&gclid=Cj0KCQ#top',
        referrer: 'https://www.google.com/search?q=blue+widgets&hl=en',
      }),
    ).toEqual({ referrer: 'www.google.com', searchTerm: 'blue widgets', landing: 'https://www.example.com/widgets/blue', gclid: 'Cj0KCQ', campaign: 'spring', platform: 'google', urlTag: 'ad-7' });
  });

  it('falls back to utm_term and utm_medium; a link within the site and a direct visit have no referrer', () => {
    const d = visitData({ page: 'https://example.com/?utm_term=widgets&utm_medium=cpc', referrer: 'https://example.com/other' });
    expect([d.referrer, d.searchTerm, d.urlTag]).toEqual(['', 'widgets', 'cpc']);
    expect(visitData({ page: 'https://example.com/', referrer: '' }).referrer).toBe('');
    expect(visitData({ page: 'javascript:alert(1)', referrer: 'data:text/html,x' })).toMatchObject({ referrer: '', landing: '' });
  });

  it('reads the client id out of a _ga cookie only when it has the cookie\'s form', () => {
    expect(gaClientId('GA1.2.1234567890.1600000000')).toBe('1234567890.1600000000');
    expect(gaClientId('<script>')).toBe('');
  });
});

describe('user agents', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36', 'Chrome', 'Linux', false],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0', 'Edge', 'Windows', false],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1', 'Safari', 'iOS', false],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36', 'Chrome', 'Android', false],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0', 'Firefox', 'macOS', false],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Other', 'Other', true],
  ])('%s', (ua, browser, os, crawler) => {
    expect([browserOf(ua), osOf(ua), isCrawler(ua)]).toEqual([browser, os, crawler]);
  });
});
