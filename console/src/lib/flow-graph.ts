/**
 * The call flow as a graph: numbers, building blocks and the routes between them. Which routes exist
 * is known from the configuration alone, except where an IVR's webhook answers with the next action:
 * it may send the call anywhere, so the picture says exactly that rather than guessing.
 */
import type { ConfigSnapshot } from './config';
import { KINDS, refHref } from './kinds';

export interface FlowNode {
  id: string;
  kind: 'number' | 'ivr' | 'vr' | 'findme' | 'voicemail' | 'webhook' | 'missing';
  title: string;
  subtitle: string;
  href?: string;
  fileManaged: boolean;
}

export interface FlowEdge {
  from: string;
  to: string;
  label: string;
  /** A route decided at call time (a webhook's answer), drawn dashed. */
  dynamic: boolean;
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

const NEXT_ITEM_KIND: Record<number, 'voicemail' | 'vr' | 'findme' | 'ivr' | undefined> = { 2: 'voicemail', 4: 'vr', 5: 'findme', 6: 'ivr' };

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function buildFlowGraph(c: ConfigSnapshot): FlowGraph {
  const nodes = new Map<string, FlowNode>();
  const edges: FlowEdge[] = [];
  const block = (kind: 'ivr' | 'vr' | 'findme' | 'voicemail', id: number | undefined, name: string, file: boolean): void => {
    const ref = `${kind}/${id}`;
    nodes.set(ref, { id: ref, kind, title: `${KINDS[kind].one} ${id}`, subtitle: name, href: refHref(ref), fileManaged: file });
  };
  for (const i of c.ivr) block('ivr', i.value.id, i.value.name, i.managed_by === 'file');
  for (const i of c.vr) block('vr', i.value.id, i.value.name, i.managed_by === 'file');
  for (const i of c.findme) block('findme', i.value.id, i.value.name, i.managed_by === 'file');
  for (const i of c.voicemail) block('voicemail', i.value.id, i.value.name, i.managed_by === 'file');
  const target = (ref: string): string => {
    if (!nodes.has(ref)) nodes.set(ref, { id: ref, kind: 'missing', title: ref, subtitle: 'does not exist', fileManaged: false });
    return ref;
  };

  for (const n of c.number) {
    const id = `number:${n.value.number}`;
    nodes.set(id, { id, kind: 'number', title: n.value.number, subtitle: n.value.label || 'dialed number', href: `/numbers/${encodeURIComponent(n.value.number)}`, fileManaged: n.managed_by === 'file' });
    edges.push({ from: id, to: target(n.value.to), label: '', dynamic: false });
  }
  for (const { value: vr } of c.vr) {
    for (const [key, to] of Object.entries(vr.options)) edges.push({ from: `vr/${vr.id}`, to: target(to), label: `key ${key}`, dynamic: false });
  }
  for (const { value: f } of c.findme) {
    const kind = NEXT_ITEM_KIND[f.nextaction];
    if (kind && f.nextactionitem !== undefined) edges.push({ from: `findme/${f.id}`, to: target(`${kind}/${f.nextactionitem}`), label: 'nobody accepts', dynamic: false });
  }
  for (const { value: ivr } of c.ivr) {
    const w = ivr.webhook;
    if (!w || w.action !== 'next_action') continue;
    const id = `webhook:ivr/${ivr.id}`;
    nodes.set(id, { id, kind: 'webhook', title: 'Webhook decides', subtitle: `${w.method} ${hostOf(w.url)}`, fileManaged: false });
    edges.push({ from: `ivr/${ivr.id}`, to: id, label: 'after the questions', dynamic: true });
  }
  return { nodes: [...nodes.values()], edges };
}

/** The same routes as sentences, for the text alternative to the picture. */
export function describeEdge(g: FlowGraph, e: FlowEdge): string {
  const name = (id: string): string => {
    const n = g.nodes.find((x) => x.id === id);
    if (!n) return id;
    if (n.kind === 'number') return `Number ${n.title}${n.subtitle !== 'dialed number' ? ` (${n.subtitle})` : ''}`;
    if (n.kind === 'webhook') return `its webhook (${n.subtitle}), which decides at call time: any block, a transfer or a hang-up`;
    return `${n.title}${n.subtitle ? ` (${n.subtitle})` : ''}`;
  };
  return `${name(e.from)}${e.label ? `, ${e.label},` : ''} → ${name(e.to)}`;
}
