/**
 * The YAML side of the loader: parse the text once, turn it into plain data for validation, and
 * map any key path (`['ivrs', 0, 'questions', 2, 'max_digits']`) back to a line of the file, so that
 * every message can say where the mistake is.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import type { ConfigIssue } from './errors.js';

export type Path = readonly (string | number)[];

/** Plenty for reusing prompts; few enough that expanding them stays cheap. */
const MAX_ALIASES = 1000;

/** `ivrs[0].questions[2].max_digits`: [index] for lists, .name for maps. */
export function formatPath(path: Path): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out === '' ? step : `.${step}`;
  return out;
}

/**
 * The text a map key stands for. Plain scalars keep their source text, because YAML would otherwise
 * read `+18005550100` as the number 18005550100 and `0123` as 123, and phone numbers and DTMF keys
 * must stay as typed.
 */
function keyText(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  if (key.type === 'PLAIN' && typeof key.source === 'string') return key.source;
  return String(key.value);
}

// Some YAML errors have a cause a flows-file author will not guess; name it.
const HINTS: Record<string, string> = {
  BAD_ALIAS: 'quote "*": in YAML an unquoted * starts an alias',
  UNEXPECTED_TOKEN: 'quote values that start with *, &, !, %, @ or `',
  TAB_AS_INDENT: 'indent with spaces',
};

/** `3, 7-9, 12` for lines 3, 7, 8, 9 and 12 (sorted). */
function lineRanges(lines: number[]): string {
  const out: string[] = [];
  const sorted = [...lines].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    out.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return out.join(', ');
}

export class YamlSource {
  private readonly lines = new LineCounter();
  private readonly doc: Document.Parsed;
  /** YAML syntax errors and keys that are not text or are repeated; empty when the text is usable. */
  readonly issues: ConfigIssue[] = [];
  /** The document as plain objects, lists and scalars; only meaningful when `issues` is empty. */
  readonly data: unknown;
  private aliasCount = 0;
  /** Collections being converted, to catch an alias to an ancestor. */
  private readonly open = new Set<unknown>();

  constructor(
    text: string,
    readonly file: string,
  ) {
    // prettyErrors off: we format positions ourselves, as file:line like every other message.
    // uniqueKeys off: YAML compares keys by value (08005550100 equals 8005550100); toPlain compares
    // them as written instead, which is how numbers and DTMF keys are meant.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false });
    const syntax = this.firstSyntaxError(text);
    if (syntax) this.issues.push(syntax);
    this.data = this.issues.length === 0 ? this.toPlain(this.doc.contents, []) : undefined;
  }

  /**
   * The first YAML syntax error, and the other lines where the parser found the same kind of mistake.
   * Everything else it reports after the first error is left out: once the text stops being YAML the
   * parser guesses how it goes on, and its further errors are mostly consequences of that guess (one
   * tab-indented line turns the rest of its block into "implicit keys need to be on a single line" and
   * the like). The same kind of error on other lines is worth naming, though: an editor that indents
   * with tabs does it on every line, and two unquoted `*` are two mistakes to fix in one go.
   */
  private firstSyntaxError(text: string): ConfigIssue | undefined {
    // In the order found, not by position: a consequence can be reported at an earlier offset (the end
    // of the line before a tab-indented one) than the mistake that caused it.
    const first = this.doc.errors[0];
    if (!first) return undefined;
    const line = this.lineAt(first.pos[0]);
    // The parser stops reporting tabs where its recovery loses track, so tab-indented lines are found
    // in the text itself.
    const sameLines =
      first.code === 'TAB_AS_INDENT'
        ? text.split('\n').flatMap((l, i) => (/^[ ]*\t/.test(l) && l.trim() !== '' ? [i + 1] : []))
        : this.doc.errors.filter((e) => e.code === first.code).map((e) => this.lineAt(e.pos[0]));
    const others = [...new Set(sameLines)].filter((l) => l !== line);
    const hint = HINTS[first.code];
    let message = hint ? `${first.message} (${hint})` : first.message;
    if (others.length > 0) message += `; the same on line${others.length > 1 ? 's' : ''} ${lineRanges(others)}`;
    return { file: this.file, line, message };
  }

  /** 1-based line of a character offset. */
  private lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private toPlain(raw: unknown, path: Path): unknown {
    const at = isNode(raw) && raw.range ? this.lineAt(raw.range[0]) : undefined;
    const problem = (message: string): null => {
      this.issues.push({ file: this.file, line: at, key: formatPath(path) || undefined, message });
      return null;
    };
    // Aliases are expanded here, so guard against the two ways they can make that endless:
    // a collection that contains an alias of itself, and "billion laughs" nesting.
    if (isAlias(raw) && ++this.aliasCount > MAX_ALIASES) {
      return this.aliasCount === MAX_ALIASES + 1 ? problem(`more than ${MAX_ALIASES} aliases`) : null;
    }
    const node = this.resolve(raw);
    if (isAlias(raw) && node === undefined) return problem(`alias *${raw.source} has no anchor &${raw.source}`);
    if (!isMap(node) && !isSeq(node)) return isScalar(node) ? node.value : null; // null: an empty value
    if (this.open.has(node)) return problem('alias to a collection that contains it');
    this.open.add(node);
    try {
      return this.collection(node, path);
    } finally {
      this.open.delete(node);
    }
  }

  private collection(node: YAMLMap | YAMLSeq, path: Path): unknown {
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = keyText(this.resolve(pair.key));
        const at = isNode(pair.key) && pair.key.range ? this.lineAt(pair.key.range[0]) : undefined;
        if (key === undefined) {
          this.issues.push({ file: this.file, line: at, key: formatPath(path) || undefined, message: 'keys must be plain text' });
          continue;
        }
        // YAML sees "1" and 1 as different keys; after keyText they are the same, so check again.
        if (Object.hasOwn(out, key)) {
          this.issues.push({ file: this.file, line: at, key: formatPath([...path, key]), message: 'duplicate key' });
          continue;
        }
        out[key] = this.toPlain(pair.value, [...path, key]);
      }
      return out;
    }
    return node.items.map((item, i) => this.toPlain(item, [...path, i]));
  }

  /**
   * The node a path leads to, or as far as it gets. A map step lands on the key (that is where the
   * author looks, and a missing child is best reported at its parent's key); a list step on the item.
   */
  private walk(path: Path): { node: unknown; offset: number; complete: boolean } {
    let node: unknown = this.doc.contents;
    let offset = isNode(node) && node.range ? node.range[0] : 0;
    for (const step of path) {
      node = this.resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(this.resolve(p.key)) === String(step));
        if (!pair) return { node, offset, complete: false };
        if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number' && step < node.items.length) {
        node = node.items[step];
        if (isNode(node) && node.range) offset = node.range[0];
      } else {
        return { node, offset, complete: false };
      }
    }
    return { node: this.resolve(node), offset, complete: true };
  }

  /** 1-based line for a key path (see walk). */
  lineOf(path: Path): number {
    return this.lineAt(this.walk(path).offset);
  }

  /**
   * The source text of a plain scalar at `path`, for values YAML read as numbers that must stay text
   * (a phone number written `+13125550101` without quotes).
   */
  sourceOf(path: Path): string | undefined {
    const { node, complete } = this.walk(path);
    if (!complete || !isScalar(node)) return undefined;
    return node.type === 'PLAIN' && typeof node.source === 'string' ? node.source : String(node.value);
  }

  /** An issue at a key path, with file and line filled in. */
  issueAt(path: Path, message: string): ConfigIssue {
    const key = formatPath(path);
    return { file: this.file, line: this.lineOf(path), ...(key ? { key } : {}), message };
  }
}
