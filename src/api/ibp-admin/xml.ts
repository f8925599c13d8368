/**
 * The XML answers of the original Administration API: a root element with `<result>` first, then the
 * action's data, or `<result_description>` on failure (what the original's PHP client reads:
 * `$xml->result == 'failed'` → `$xml->result_description`). The root is `<response>`, as the
 * `clickto.*` answers of ibp-api.ts.
 *
 * Built with xmlbuilder2 rather than by concatenation: every text is escaped, and characters XML 1.0
 * cannot carry at all (control characters, lone surrogates, which a name typed into the API could
 * hold) become U+FFFD instead of making the document ill-formed.
 */
import { create } from 'xmlbuilder2';

/** An element: text, or child elements in order. Undefined values are left out. */
export type XmlNode = readonly [name: string, value: XmlValue];
export type XmlValue = string | number | boolean | undefined | readonly XmlNode[];
type XMLBuilder = ReturnType<typeof create>;

function append(parent: XMLBuilder, nodes: readonly XmlNode[]): void {
  for (const [name, value] of nodes) {
    if (value === undefined) continue;
    const el = parent.ele(name);
    if (typeof value === 'object') append(el, value);
    else el.txt(typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
}

export function ibpDocument(result: 'success' | 'failed', nodes: readonly XmlNode[]): string {
  const doc = create({ version: '1.0', encoding: 'utf-8', invalidCharReplacement: '\uFFFD' });
  const root = doc.ele('response');
  root.ele('result').txt(result);
  append(root, nodes);
  return doc.end({ prettyPrint: false });
}

export const successXml = (nodes: readonly XmlNode[]): string => ibpDocument('success', nodes);
export const failedXml = (description: string): string => ibpDocument('failed', [['result_description', description]]);
