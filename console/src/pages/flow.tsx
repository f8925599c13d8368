/**
 * The picture of the call flow: an SVG laid out by dagre (layered, left to right: numbers, then the
 * blocks they reach). Each node links to its editor; the same routes follow as a list for people who
 * do not see the picture.
 */
import { graphlib, layout } from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorText, Loading, PageTitle } from '../components/common';
import { describeError } from '../lib/api';
import { useConfig } from '../lib/config';
import { buildFlowGraph, describeEdge, type FlowGraph, type FlowNode } from '../lib/flow-graph';

const NODE_W = 210;
const NODE_H = 58;
const CHAR_W = 6.5;
const ROOT = '\u0000root';

interface Placed {
  nodes: Array<FlowNode & { x: number; y: number }>;
  edges: Array<{ points: Array<{ x: number; y: number }>; label: string; lx: number; ly: number; dynamic: boolean; key: string }>;
  shift: number;
  width: number;
  height: number;
}

function place(g: FlowGraph): Placed {
  const d = new graphlib.Graph({ multigraph: true });
  d.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, edgesep: 12, marginx: 12, marginy: 12 });
  d.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) d.setNode(n.id, { width: NODE_W, height: NODE_H });
  // A hidden root ahead of every number keeps the numbers in the first column, where calls come in.
  d.setNode(ROOT, { width: 0, height: 0 });
  // Blocks no route reaches (a webhook may still send calls there) go in the column after the numbers.
  const reached = new Set(g.edges.map((e) => e.to));
  for (const n of g.nodes) {
    if (n.kind === 'number') d.setEdge(ROOT, n.id, { weight: 20, minlen: 1 }, `root-${n.id}`);
    else if (!reached.has(n.id)) d.setEdge(ROOT, n.id, { weight: 1, minlen: 2 }, `root-${n.id}`);
  }
  g.edges.forEach((e, i) => d.setEdge(e.from, e.to, { width: e.label.length * CHAR_W, height: e.label ? 14 : 0, labelpos: 'c' }, `e${i}`));
  layout(d);
  const graph = d.graph();
  return {
    nodes: g.nodes.map((n) => {
      const p = d.node(n.id);
      return { ...n, x: (p.x ?? 0) - NODE_W / 2, y: (p.y ?? 0) - NODE_H / 2 };
    }),
    edges: g.edges.map((e, i) => {
      const l = d.edge({ v: e.from, w: e.to, name: `e${i}` });
      return { points: l.points ?? [], label: e.label, lx: l.x ?? 0, ly: l.y ?? 0, dynamic: e.dynamic, key: `e${i}` };
    }),
    // The root's column is left out of the picture: it starts at the leftmost visible node.
    shift: Math.max(0, Math.min(...g.nodes.map((n) => (d.node(n.id).x ?? 0) - NODE_W / 2)) - 12),
    width: graph.width ?? 0,
    height: graph.height ?? 0,
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function NodeBox({ n }: { n: FlowNode & { x: number; y: number } }) {
  const { route } = useLocation();
  const box = (
    <>
      <rect class={`node ${n.kind}${n.fileManaged ? ' file' : ''}`} x={n.x} y={n.y} width={NODE_W} height={NODE_H} rx={n.kind === 'webhook' ? 18 : 6} />
      <text x={n.x + 10} y={n.y + 22} class="node-title">
        {clip(n.title, 28)}
        {n.fileManaged ? ' (file)' : ''}
      </text>
      <text x={n.x + 10} y={n.y + 42} class="node-sub">
        {clip(n.subtitle, 29)}
      </text>
      <title>{`${n.title}${n.subtitle ? `: ${n.subtitle}` : ''}${n.fileManaged ? ' (defined in the flows file)' : ''}`}</title>
    </>
  );
  if (!n.href) return <g>{box}</g>;
  const href = n.href;
  return (
    // SVG links are not seen by the router's click handler: navigate here, in the page.
    <a
      href={href}
      aria-label={`${n.title}${n.subtitle ? `: ${n.subtitle}` : ''}, open its editor`}
      onClick={(e) => {
        e.preventDefault();
        route(href);
      }}
    >
      {box}
    </a>
  );
}

function path(points: Array<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

export function FlowPage() {
  const { config, loaded, error } = useConfig();
  const graph = useMemo(() => buildFlowGraph(config), [config]);
  const placed = useMemo(() => (graph.nodes.length ? place(graph) : null), [graph]);

  return (
    <>
      <PageTitle>Call flow</PageTitle>
      {!loaded ? <Loading what="the configuration" /> : null}
      {error ? <ErrorText>{describeError(error)}</ErrorText> : null}
      {loaded && !error && graph.nodes.length === 0 ? (
        <p>
          Nothing is configured yet. Start with an <a href="/ivrs/new">IVR</a>, then a <a href="/numbers/new">number</a> that routes to it.
        </p>
      ) : null}
      {placed ? (
        <>
          <p class="hint">
            Numbers on the left, then the blocks each reaches. A dashed route is decided by a webhook at call time. Select a block to edit it.
          </p>
          <div class="flow-wrap">
            <svg
              class="flow"
              width={placed.width - placed.shift}
              height={placed.height}
              viewBox={`${placed.shift} 0 ${placed.width - placed.shift} ${placed.height}`}
              role="group"
              aria-label="Picture of the call flow"
            >
              <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                  <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                </marker>
              </defs>
              <g aria-hidden="true">
                {placed.edges.map((e) => (
                  <g key={e.key}>
                    <path d={path(e.points)} class={`edge${e.dynamic ? ' dynamic' : ''}`} marker-end="url(#arrow)" />
                    {e.label ? (
                      <>
                        <rect x={e.lx - (e.label.length * CHAR_W) / 2 - 3} y={e.ly - 8} width={e.label.length * CHAR_W + 6} height={16} rx={3} class="edge-label-bg" />
                        <text x={e.lx} y={e.ly + 4} class="edge-label" text-anchor="middle">
                          {e.label}
                        </text>
                      </>
                    ) : null}
                  </g>
                ))}
              </g>
              {placed.nodes.map((n) => (
                <NodeBox key={n.id} n={n} />
              ))}
            </svg>
          </div>
          <h2>The routes as a list</h2>
          <ul class="routes">
            {graph.edges.map((e, i) => (
              <li key={i}>{describeEdge(graph, e)}</li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
