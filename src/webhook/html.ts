import { convert, type HtmlToTextOptions } from 'html-to-text';

/** Elements whose content is never meant to be read aloud. */
const SKIPPED = ['head', 'title', 'script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'img'];

/**
 * Options that keep only the words: no line wrapping, no `[url]` after links, no upper-cased
 * headings or table headers (text-to-speech would spell or shout them), no image placeholders.
 */
const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  // The whole document, not just <body>: a bare fragment without <body> must still be read.
  baseElements: { selectors: ['body'], returnDomByDefault: true },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    { selector: 'ul', options: { itemPrefix: ' ' } },
    ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
  ],
};

/** Tags start with a letter, `/` or `!` right after `<`; "a < b" or "<3" in plain text is not markup. */
const LOOKS_LIKE_HTML = /<[a-z!/]/i;

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * A `read_text` response reduced to the words to speak: HTML loses its markup, scripts and styles,
 * entities are decoded, and all white space becomes single spaces. Plain text is only collapsed
 * (so `AT&amp;T` in plain text is read as written, not decoded).
 */
export function htmlToText(body: string): string {
  if (!LOOKS_LIKE_HTML.test(body)) return collapse(body);
  return collapse(convert(body, OPTIONS));
}
