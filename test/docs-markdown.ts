/**
 * Just enough Markdown reading for the documentation tests (test/docs.test.ts,
 * test/docs-snippets.test.ts): fenced code blocks with their line numbers, inline links outside
 * code, and heading anchors the way GitHub makes them. Hand-written: a full Markdown parser
 * (remark, markdown-it) would be a new dependency for three regular expressions' worth of work, and
 * the docs are written by us, in a plain style (``` fences, inline links, ATX headings).
 */
import { readFileSync } from 'node:fs';

export interface CodeBlock {
  /** The fence's info string, lower-cased (`yaml`, `xml`, `js`...). */
  lang: string;
  /** 1-based line of the block's first content line (the line after the opening fence). */
  line: number;
  text: string;
  /** The `<!-- test: NAME -->` marker on the line before the opening fence, if any. */
  marker?: string;
}

export interface Link {
  target: string;
  line: number;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const MARKER = /^<!--\s*test:\s*([\w-]+)\s*-->\s*$/;

/** Lines with a flag saying whether each is inside a fenced code block (fences included). */
function lines(md: string): Array<{ text: string; inCode: boolean }> {
  const out: Array<{ text: string; inCode: boolean }> = [];
  let fence: string | undefined;
  for (const text of md.split('\n')) {
    const m = FENCE.exec(text);
    if (fence === undefined && m) {
      fence = m[1];
      out.push({ text, inCode: true });
    } else if (fence !== undefined) {
      out.push({ text, inCode: true });
      if (m && m[1]?.[0] === fence[0] && (m[1]?.length ?? 0) >= fence.length && m[2] === '') fence = undefined;
    } else {
      out.push({ text, inCode: false });
    }
  }
  return out;
}

export function codeBlocks(md: string): CodeBlock[] {
  const src = md.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < src.length; i++) {
    const open = FENCE.exec(src[i] ?? '');
    if (!open) continue;
    const fence = open[1] ?? '```';
    const body: string[] = [];
    let j = i + 1;
    for (; j < src.length; j++) {
      const close = FENCE.exec(src[j] ?? '');
      if (close && close[1]?.[0] === fence[0] && (close[1]?.length ?? 0) >= fence.length && close[2] === '') break;
      body.push(src[j] ?? '');
    }
    const marker = MARKER.exec(src[i - 1] ?? '')?.[1];
    blocks.push({ lang: (open[2] ?? '').toLowerCase(), line: i + 2, text: body.join('\n'), ...(marker ? { marker } : {}) });
    i = j;
  }
  return blocks;
}

/** Removes inline code spans so that `[x](y)` written as code is not taken for a link. */
const withoutCodeSpans = (line: string): string => line.replace(/(`+)[\s\S]*?\1/g, '');

/** Inline links and images `[text](target "title")`, and reference definitions `[id]: target`. */
export function links(md: string): Link[] {
  const out: Link[] = [];
  lines(md).forEach(({ text, inCode }, i) => {
    if (inCode) return;
    const plain = withoutCodeSpans(text);
    for (const m of plain.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ target: (m[1] ?? '').replace(/^<|>$/g, ''), line: i + 1 });
    }
    const def = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(plain);
    if (def) out.push({ target: def[1] ?? '', line: i + 1 });
  });
  return out;
}

/**
 * GitHub's heading anchor (as github-slugger makes it): the heading's text as rendered, lower-cased,
 * with everything but letters, marks, digits, `_`, `-` and spaces removed, spaces turned into `-`;
 * a repeated slug gets `-1`, `-2`... Rendering is approximated: code spans keep their text without
 * the backticks; outside them, link targets, HTML tags and emphasis asterisks are dropped.
 */
export function headingAnchors(md: string): Set<string> {
  const occurrences = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text, inCode } of lines(md)) {
    if (inCode) continue;
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const rendered = (m[1] ?? '')
      .split(/(`+[^`]*`+)/)
      .map((seg) =>
        seg.startsWith('`')
          ? seg.replace(/`/g, '')
          : seg.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '').replace(/\*/g, ''),
      )
      .join('');
    const original = rendered.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    let slug = original;
    while (occurrences.has(slug)) {
      const n = (occurrences.get(original) ?? 0) + 1;
      occurrences.set(original, n);
      slug = `${original}-${n}`;
    }
    occurrences.set(slug, 0);
    anchors.add(slug);
  }
  return anchors;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
