import { SaxesParser } from 'saxes';
import { WebhookError } from './errors.js';

/** Largest response body accepted, in UTF-8 bytes (spec: "a body over 64 KiB" fails). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Nesting deeper than this cannot be a next-action document; refusing it bounds the work. */
const MAX_DEPTH = 32;

/** A minimal element tree: the next-action format uses element names and text only. */
export interface XmlElement {
  name: string;
  /** Direct text and CDATA of this element, concatenated, untrimmed. */
  text: string;
  children: XmlElement[];
}

/**
 * Parses a document into an XmlElement tree with saxes, in strict XML mode:
 * - any DOCTYPE is refused, so no internal subset can declare entities (billion laughs, XXE);
 * - saxes itself knows only the five predefined entities (and numeric character references,
 *   which are not entities and expand to one character each), any other `&name;` is an error;
 * - truncated documents fail at close();
 * - the size limit is checked before parsing, the depth limit while parsing.
 */
export function parseXml(body: string): XmlElement {
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw new WebhookError('too_large', `response body is over ${MAX_BODY_BYTES} bytes`);
  }
  // Servers often pad responses with blank lines; XML forbids anything before `<?xml`, so trim (and a BOM).
  const doc = body.replace(/^\uFEFF/, '').trim();
  if (doc === '') throw new WebhookError('no_action', 'empty response body, expected <action>');

  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let doctype = false;

  parser.on('doctype', () => {
    doctype = true;
    // Throwing from a handler stops saxes at once; the catch below tells it apart from syntax errors.
    throw new WebhookError('doctype', 'a DOCTYPE is not allowed in a webhook response');
  });
  parser.on('opentag', (tag) => {
    if (stack.length >= MAX_DEPTH) {
      throw new WebhookError('xml_parse', `elements nested deeper than ${MAX_DEPTH}`);
    }
    const el: XmlElement = { name: tag.name, text: '', children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);

  try {
    parser.write(doc).close();
  } catch (err) {
    if (err instanceof WebhookError) throw err;
    if (doctype) throw new WebhookError('doctype', 'a DOCTYPE is not allowed in a webhook response');
    const msg = err instanceof Error ? err.message : String(err);
    throw new WebhookError('xml_parse', `response is not well-formed XML: ${msg}`, { cause: err });
  }
  if (!root) throw new WebhookError('no_action', 'response has no root element, expected <action>');
  return root;
}
