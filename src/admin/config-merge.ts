/**
 * One configuration from two sources: the flows file, and the items made through the Administration
 * API (kept in the store). They are put together as one flows document and checked by the flows
 * loader itself, so an API-made block obeys exactly the rules a file-made one does.
 *
 * The rules: the file stands on its own (it was loaded and checked alone first), API items come after
 * the file's, and an API item with the kind and key of a file item is shadowed by it (the file wins).
 */
import { checkFlowsData } from '../config/flows.js';
import type { PathMessage } from '../config/issues.js';
import type { Flows } from '../config/types.js';
import { formatPath, type Path } from '../config/yaml-source.js';
import { fileForm, keyField, KIND_WORDS, LIST_OF, type ConfigKind, type Json } from './config-kinds.js';

export interface StoredItem {
  kind: ConfigKind;
  key: string;
  /** As the API shows it. */
  value: Json;
}

export interface ItemIssue {
  /** The API item at fault; undefined when the issue is in the file's part (which cannot happen once the file loaded alone). */
  item: StoredItem | undefined;
  /** Path inside the item (`questions[1].max_digits`), or inside the document when no item owns it. */
  path: Path;
  /** The whole path for people: `vrs[id=3].options.1`. */
  where: string;
  message: string;
}

export type MergeCheck = { ok: true; flows: Flows } | { ok: false; issues: ItemIssue[] };

const itemId = (i: StoredItem): string => `${i.kind}/${i.key}`;

/** Items of the file, by kind and key, to find shadowing. */
function fileKeys(fileRaw: Json): Set<string> {
  const keys = new Set<string>();
  for (const [kind, list] of Object.entries(LIST_OF) as Array<[ConfigKind, string]>) {
    const part = fileRaw[list];
    if (kind === 'number') for (const n of Object.keys((part ?? {}) as Json)) keys.add(`number/${n}`);
    else for (const e of (part ?? []) as Json[]) keys.add(`${kind}/${String(e[keyField(kind)])}`);
  }
  return keys;
}

/** API items the file shadows, and the rest. */
export function splitShadowed(fileRaw: Json, items: readonly StoredItem[]): { live: StoredItem[]; shadowed: StoredItem[] } {
  const file = fileKeys(fileRaw);
  const live: StoredItem[] = [];
  const shadowed: StoredItem[] = [];
  for (const i of items) (file.has(itemId(i)) ? shadowed : live).push(i);
  return { live, shadowed };
}

export function shadowReason(i: StoredItem): string {
  return `the flows file also defines ${KIND_WORDS[i.kind]} ${i.key}, and the file's is the one used`;
}

export function joinPath(base: string, rest: Path): string {
  const tail = formatPath(rest);
  if (tail === '') return base;
  return tail.startsWith('[') || base === '' ? base + tail : `${base}.${tail}`;
}

/** `vrs[3].options.1` -> `vrs[id=3].options.1`: ids mean something to people, positions do not. */
function humanPath(doc: Json, path: Path): string {
  const [list, index, ...rest] = path;
  const entries = typeof list === 'string' ? doc[list] : undefined;
  if (Array.isArray(entries) && typeof index === 'number') {
    const entry = entries[index] as Json | undefined;
    const field = list === LIST_OF.sourcetrak_pool ? 'name' : 'id';
    const id = entry?.[field];
    if (id !== undefined) return joinPath(`${list}[${field}=${String(id)}]`, rest);
  }
  return formatPath(path);
}

/** The flows document of the file plus the given items (none may be shadowed), and who owns each part. */
function assemble(fileRaw: Json, items: readonly StoredItem[]): { doc: Json; owner(path: Path): { item: StoredItem; rest: Path } | undefined } {
  const doc: Json = { ...fileRaw, numbers: { ...((fileRaw['numbers'] ?? {}) as Json) } };
  const byPosition = new Map<string, StoredItem>();
  for (const item of [...items].sort((a, b) => Number(a.key) - Number(b.key) || a.key.localeCompare(b.key))) {
    const list = LIST_OF[item.kind];
    if (item.kind === 'number') {
      (doc['numbers'] as Json)[item.key] = fileForm('number', item.value);
      byPosition.set(`numbers/${item.key}`, item);
    } else {
      const entries = [...((doc[list] ?? []) as Json[]), item.value];
      doc[list] = entries;
      byPosition.set(`${list}/${entries.length - 1}`, item);
    }
  }
  return {
    doc,
    owner(path) {
      const [list, at, ...rest] = path;
      const item = byPosition.get(`${String(list)}/${String(at)}`);
      if (!item) return undefined;
      // A number's item is `{ number, to, label }`; in the file its route sits at the number itself.
      return { item, rest: item.kind === 'number' && rest.length === 0 ? ['to'] : rest };
    },
  };
}

/** Checks the file plus these items as one flows document. */
export function checkMerged(fileRaw: Json, items: readonly StoredItem[], fileName: string): MergeCheck {
  const { doc, owner } = assemble(fileRaw, items);
  const checked = checkFlowsData(doc, fileName, undefined, 'in the configuration');
  if (checked.ok) return checked;
  return {
    ok: false,
    issues: checked.issues.map((i: PathMessage) => {
      const own = owner(i.path);
      return { item: own?.item, path: own ? own.rest : i.path, where: humanPath(doc, i.path), message: i.message };
    }),
  };
}

/**
 * The configuration to serve: the file, plus every API item that fits. Items that do not (shadowed by
 * the file, or broken by a change to the file, such as a block they refer to being removed from it)
 * are left out with the reason, never stopping the server: each pass drops the items at fault, and
 * items that only failed because of them get another chance in the next pass.
 */
export function mergeTolerant(fileRaw: Json, items: readonly StoredItem[], fileName: string, fileFlows: Flows): { flows: Flows; disabled: Array<{ item: StoredItem; reason: string }> } {
  const { live, shadowed } = splitShadowed(fileRaw, items);
  const disabled = shadowed.map((item) => ({ item, reason: shadowReason(item) }));
  let candidates = live;
  for (;;) {
    const checked = checkMerged(fileRaw, candidates, fileName);
    if (checked.ok) return { flows: checked.flows, disabled };
    const faulty = new Map<StoredItem, string>();
    for (const issue of checked.issues) {
      if (issue.item && !faulty.has(issue.item)) faulty.set(issue.item, `${issue.where}: ${issue.message}`);
    }
    if (faulty.size === 0) {
      // Nothing to blame on an API item: serve the file alone rather than not at all.
      return { flows: fileFlows, disabled: [...disabled, ...candidates.map((item) => ({ item, reason: 'the configuration did not load with it' }))] };
    }
    for (const [item, reason] of faulty) disabled.push({ item, reason });
    candidates = candidates.filter((i) => !faulty.has(i));
  }
}
