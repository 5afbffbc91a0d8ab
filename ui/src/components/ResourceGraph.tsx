// The resource tree as a graph (@xyflow/react), laid out left to right by elkjs ("layered"). A quick
// column layout renders at once; elk's layout replaces it when ready (skipped for very big graphs,
// where grouping keeps the node count small anyway). Every node is a button: Tab moves through them.
import { Background, Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK from 'elkjs/lib/elk-api.js';
// elk runs in a Web Worker: layout of big trees never blocks the page, and the graph's chunk stays small.
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { Application } from '../api/types';
import { buildGraph, ROOT_ID, type GraphEdge, type GraphNode, type GraphNodeData, type TreeResource } from '../state/tree';
import { HealthBadge, SyncBadge } from './ui';

const NODE_W = 270;
const NODE_H = 62;
const ELK_LIMIT = 600;

interface NodeData extends Record<string, unknown> {
  readonly node: GraphNodeData;
  readonly onOpen: () => void;
}
type FlowNode = Node<NodeData, 'res'>;

const KIND_ABBR: Record<string, string> = {
  Deployment: 'deploy',
  ReplicaSet: 'rs',
  Pod: 'pod',
  Service: 'svc',
  ConfigMap: 'cm',
  Secret: 'secret',
  StatefulSet: 'sts',
  DaemonSet: 'ds',
  Job: 'job',
  CronJob: 'cj',
  Ingress: 'ing',
  Namespace: 'ns',
  ServiceAccount: 'sa',
  PersistentVolumeClaim: 'pvc',
  Endpoints: 'ep',
  EndpointSlice: 'eps',
};

const ResNode = memo(function ResNode({ data }: NodeProps<FlowNode>) {
  const n = data.node;
  let body;
  if (n.type === 'app') {
    body = (
      <div className="gnode gnode-app">
        <span className="gkind">app</span>
        <span className="gname">{n.label}</span>
        <span className="gbadges">
          <HealthBadge status={n.health} /> <SyncBadge status={n.sync} />
        </span>
      </div>
    );
  } else if (n.type === 'group') {
    body = (
      <button type="button" className={`gnode gnode-group health-border-${n.health ?? 'Unknown'}`} onClick={data.onOpen}>
        <span className="gkind">{KIND_ABBR[n.kind] ?? n.kind}</span>
        <span className="gname">
          {n.count} × {n.kind}
        </span>
        <span className="gbadges small">
          <HealthBadge status={n.health} /> {n.outOfSync > 0 ? <span className="badge sync-OutOfSync">{n.outOfSync} out of sync</span> : null} <span className="muted">expand</span>
        </span>
      </button>
    );
  } else {
    const r = n.resource;
    body = (
      <button
        type="button"
        className={`gnode health-border-${r.health ?? 'none'} ${r.sync === 'OutOfSync' ? 'gnode-oos' : ''}`}
        onClick={data.onOpen}
        title={`${r.kind} ${r.name}`}
        data-resource={r.key}
      >
        <span className="gkind">{KIND_ABBR[r.kind] ?? r.kind.toLowerCase()}</span>
        <span className="gname" title={r.name}>
          {r.name}
        </span>
        <span className="gbadges">
          {r.health === undefined ? null : <HealthBadge status={r.health} />} {r.sync === undefined ? null : <SyncBadge status={r.sync} />}
          {r.requiresPruning ? <span className="badge sync-OutOfSync">prune</span> : null}
        </span>
      </button>
    );
  }
  return (
    <>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      {body}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </>
  );
});

const nodeTypes = { res: ResNode };
const ignoreNodeClick = (): void => undefined;

type Positions = ReadonlyMap<string, { x: number; y: number }>;

/** Columns by depth, rows in order: instant, and good enough until elk answers. */
export function quickLayout(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Positions {
  const depth = new Map<string, number>([[ROOT_ID, 0]]);
  for (const e of edges) if (!depth.has(e.target)) depth.set(e.target, (depth.get(e.source) ?? 0) + 1);
  const rows = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const d = depth.get(n.id) ?? 1;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    out.set(n.id, { x: d * (NODE_W + 80), y: row * (NODE_H + 18) });
  }
  return out;
}

const elk = new ELK({ workerUrl: elkWorkerUrl });

async function elkLayout(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Promise<Positions> {
  const ids = new Set(nodes.map((n) => n.id));
  const result = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '16',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const out = new Map<string, { x: number; y: number }>();
  for (const c of result.children ?? []) out.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
  return out;
}

/** `filter` (the URL's `?resource=`) and the search box both narrow the tree; ancestors of a match stay. */
export function ResourceGraph({ app, resources, onSelect, filter }: { app: Application; resources: readonly TreeResource[]; onSelect: (r: TreeResource) => void; filter?: (r: TreeResource) => boolean }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [query, setQuery] = useState('');
  const [threshold, setThreshold] = useState(resources.length > 500 ? 5 : 10);
  const graph = useMemo(() => {
    const q = query.toLowerCase();
    const matchesQuery = (r: TreeResource) => `${r.kind}/${r.name}`.toLowerCase().includes(q);
    const visible = filter === undefined ? (query === '' ? undefined : matchesQuery) : query === '' ? filter : (r: TreeResource) => filter(r) && matchesQuery(r);
    return buildGraph(app, resources, { groupThreshold: threshold, expanded, ...(visible === undefined ? {} : { visible }) });
  }, [app, resources, expanded, query, threshold, filter]);
  const shape = useMemo(() => `${graph.nodes.map((n) => n.id).join('|')}#${graph.edges.length}`, [graph]);
  const [positions, setPositions] = useState<{ shape: string; pos: Positions; kind: 'quick' | 'elk'; ms: number; done: boolean }>({ shape: '', pos: new Map(), kind: 'quick', ms: 0, done: false });
  const graphRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let cancelled = false;
    const started = performance.now();
    const quick = quickLayout(graph.nodes, graph.edges);
    const useElk = graph.nodes.length <= ELK_LIMIT;
    setPositions({ shape, pos: quick, kind: 'quick', ms: performance.now() - started, done: !useElk });
    if (useElk) {
      const elkStarted = performance.now();
      elkLayout(graph.nodes, graph.edges)
        .then((pos) => {
          if (!cancelled) setPositions({ shape: `${shape}#elk`, pos, kind: 'elk', ms: performance.now() - elkStarted, done: true });
        })
        .catch(() => {
          // The quick layout stays.
          if (!cancelled) setPositions((p) => ({ ...p, done: true }));
        });
    }
    return () => {
      cancelled = true;
    };
    // Layout only when the shape changes, not on every status update.
  }, [shape]);

  // For measurements (test/ui/perf.ts, bench/ui.ts): what the last layout was, how long it took, and
  // when (ms since navigation start) the graph showing it was committed.
  useEffect(() => {
    const el = graphRef.current;
    if (el === null) return;
    el.dataset['layout'] = positions.kind;
    el.dataset['layoutMs'] = positions.ms.toFixed(1);
    el.dataset['layoutNodes'] = String(graph.nodes.length);
    el.dataset['layoutAt'] = performance.now().toFixed(1);
    el.dataset['layoutState'] = positions.done ? 'done' : 'pending';
    // The first layout committed for this graph: the first meaningful render of the tree.
    if (el.dataset['firstLayoutAt'] === undefined && positions.shape !== '') el.dataset['firstLayoutAt'] = performance.now().toFixed(1);
  }, [positions, graph.nodes.length]);

  const flowNodes: FlowNode[] = useMemo(
    () =>
      graph.nodes.map((n) => ({
        id: n.id,
        type: 'res' as const,
        position: positions.pos.get(n.id) ?? { x: 0, y: 0 },
        width: NODE_W,
        height: NODE_H,
        data: {
          node: n.data,
          onOpen: () => {
            const d = n.data;
            if (d.type === 'resource') onSelect(d.resource);
            else if (d.type === 'group') {
              setExpanded((s) => new Set([...s, d.groupId]));
            }
          },
        },
      })),
    [graph, positions, onSelect],
  );
  const flowEdges: Edge[] = useMemo(() => graph.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, type: 'smoothstep' })), [graph]);

  return (
    <div className="graph-wrap">
      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Filter the tree</span>
          <input type="search" placeholder="Filter resources by kind or name…" value={query} onChange={(e) => { setQuery(e.target.value); }} />
        </label>
        <label>
          Group above{' '}
          <select value={threshold} onChange={(e) => { setThreshold(Number(e.target.value)); }}>
            {[3, 5, 10, 25, 100, 100000].map((t) => (
              <option key={t} value={t}>
                {t === 100000 ? 'never' : `${t} of a kind`}
              </option>
            ))}
          </select>
        </label>
        {expanded.size > 0 ? (
          <button type="button" className="btn btn-small" onClick={() => { setExpanded(new Set()); }}>
            Collapse groups
          </button>
        ) : null}
        <span className="muted small">
          {resources.length} resources · {graph.nodes.length - 1} shown
        </span>
      </div>
      <div className="graph" aria-label="Resource tree" role="region" ref={graphRef}>
        <ReactFlow
          key={positions.shape}
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ padding: 0.1, maxZoom: 1 }}
          minZoom={0.05}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          // React Flow gives nodes pointer events only when something handles them; the button inside
          // each node does the work (for the mouse and for Enter/Space alike).
          onNodeClick={ignoreNodeClick}
          onlyRenderVisibleElements={graph.nodes.length > 200}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </div>
  );
}
