/**
 * Browser and operating system families from a User-Agent header, for st_browser and st_os, and
 * whether it is a search-engine crawler (which gets a SourceGuard number). Hand-written rather than a
 * library: reports need a dozen families, not versions or devices, and the maintained parsers are
 * either AGPL (ua-parser-js 2) or carry tables many times the size of this file for detail we drop.
 * Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", Android says "Linux".
 */
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bCriOS\/|Chrom(e|ium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/\bMSIE |\bTrident\//, 'Internet Explorer'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

const CRAWLER = /bot\b|crawl|spider|slurp|bingpreview|mediapartners|facebookexternalhit|lighthouse/i;

export function browserOf(ua: string): string {
  return BROWSERS.find(([re]) => re.test(ua))?.[1] ?? (ua ? 'Other' : '');
}

export function osOf(ua: string): string {
  return SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? (ua ? 'Other' : '');
}

export function isCrawler(ua: string): boolean {
  return CRAWLER.test(ua);
}
