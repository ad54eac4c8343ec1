// The Treecast tree map: draws the controller's tree as layered SVG and keeps it live from the ingest's
// Server-Sent Events feed (/api/tree/events), falling back to polling /api/tree/map every 500 ms when the feed is
// refused or unavailable. Plain ES module, no build step, nothing loaded from elsewhere.
//
// Drawing: one row per level (the root on top); a node's radius grows with its load (payload bytes it sends per
// second), its colour is its health (ok, repairing, draining, dead), an edge's width grows with the throughput the
// child receives. Repairs and moves flash the new edge and ring the node, and add a line to the log.
//
// window.treemap.state() reports what is drawn (read back from the SVG, not from the data) for tests.

const SVG_NS = 'http://www.w3.org/2000/svg';
const SLOT_X = 128;
const ROW_Y = 120;
const MARGIN_X = 60;
const MARGIN_Y = 50;
const POLL_MS = 500;
const FLASH_MS = 4000;

const svg = document.getElementById('tree');
const edgeLayer = element('g', { class: 'edges' });
const nodeLayer = element('g', { class: 'nodes' });
const labelLayer = element('g', { class: 'labels' });
svg.append(labelLayer, edgeLayer, nodeLayer);
const logList = document.getElementById('log');
const statusBox = document.getElementById('status');
const summary = document.getElementById('summary');

const nodeEls = new Map();   // id -> <g class="node">
const edgeEls = new Map();   // child id -> <path class="edge">
let lastSeq = 0;
let version = 0;
let transport = 'connecting';

function element(name, attrs = {}) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** Natural order for ids such as relay-2.10 and relay-2.9. */
const collator = new Intl.Collator('en', { numeric: true });

/**
 * Positions every node: a tidy layered layout (leaves left to right in depth-first order, a parent centred over its
 * children). Nodes not reachable from the root (no parent in the map yet) go in a row of their own below the tree.
 * Returns { pos: Map(id -> {x, y, row}), rows, width, height, looseRow }.
 */
export function layout(snapshot) {
  const byId = new Map(snapshot.nodes.map((n) => [n.id, n]));
  const kids = new Map();
  for (const n of snapshot.nodes) {
    if (n.id === snapshot.root || !n.parent || !byId.has(n.parent)) continue;
    if (!kids.has(n.parent)) kids.set(n.parent, []);
    kids.get(n.parent).push(n.id);
  }
  for (const list of kids.values()) list.sort(collator.compare);
  const pos = new Map();
  let slot = 0;
  let deepest = 0;
  const place = (id, row) => {
    if (pos.has(id)) return;
    pos.set(id, null); // guards against a cycle in stale data
    deepest = Math.max(deepest, row);
    const children = (kids.get(id) || []).filter((c) => !pos.has(c));
    let x;
    if (children.length === 0) {
      x = slot++;
    } else {
      children.forEach((c) => place(c, row + 1));
      const xs = children.map((c) => pos.get(c)).filter(Boolean).map((p) => p.x);
      x = xs.length ? (Math.min(...xs) + Math.max(...xs)) / 2 : slot++;
    }
    pos.set(id, { x, row });
  };
  if (byId.has(snapshot.root)) place(snapshot.root, 0);
  const loose = snapshot.nodes.filter((n) => !pos.has(n.id)).map((n) => n.id).sort(collator.compare);
  const looseRow = loose.length ? deepest + 1 : -1;
  for (const id of loose) {
    const n = byId.get(id);
    if (!pos.has(id) && (!n.parent || !byId.has(n.parent) || !loose.includes(n.parent))) place(id, looseRow);
  }
  for (const id of loose) if (!pos.has(id)) place(id, looseRow);
  let rows = 0;
  for (const [id, p] of pos) {
    p.px = MARGIN_X + p.x * SLOT_X;
    p.py = MARGIN_Y + p.row * ROW_Y;
    rows = Math.max(rows, p.row + 1);
    pos.set(id, p);
  }
  return { pos, rows, width: 2 * MARGIN_X + Math.max(0, slot - 1) * SLOT_X, height: 2 * MARGIN_Y + (rows - 1) * ROW_Y + 40,
           looseRow };
}

export function formatRate(bytesPerSecond) {
  const bits = bytesPerSecond * 8;
  if (bits >= 1e9) return (bits / 1e9).toFixed(1) + ' Gbit/s';
  if (bits >= 1e6) return (bits / 1e6).toFixed(1) + ' Mbit/s';
  if (bits >= 1e3) return (bits / 1e3).toFixed(0) + ' kbit/s';
  return bits.toFixed(0) + ' bit/s';
}

function render(snapshot) {
  version = snapshot.version;
  const { pos, rows, width, height, looseRow } = layout(snapshot);
  svg.setAttribute('width', Math.max(width, 400));
  svg.setAttribute('height', Math.max(height, 200));
  svg.setAttribute('viewBox', `0 0 ${Math.max(width, 400)} ${Math.max(height, 200)}`);

  const maxOut = Math.max(1, ...snapshot.nodes.map((n) => n.outBytesPerSecond));
  const maxEdge = Math.max(1, ...snapshot.edges.map((e) => e.bytesPerSecond));
  const radius = (n) => 9 + 17 * Math.sqrt(Math.max(0, n.outBytesPerSecond) / maxOut);

  labelLayer.replaceChildren();
  for (let r = 0; r < rows; r++) {
    const t = element('text', { class: 'row-label', x: 6, y: MARGIN_Y + r * ROW_Y + 4 });
    t.textContent = r === looseRow ? 'no parent' : r === 0 ? 'root' : `level ${r}`;
    labelLayer.append(t);
  }

  // Edges: one per node with a parent on the map; a ghost's edge is dashed.
  const wanted = new Set();
  const rate = new Map(snapshot.edges.map((e) => [e.to, e.bytesPerSecond]));
  for (const n of snapshot.nodes) {
    const a = pos.get(n.parent);
    const b = pos.get(n.id);
    if (!n.parent || !a || !b || n.id === snapshot.root) continue;
    wanted.add(n.id);
    let path = edgeEls.get(n.id);
    if (!path) {
      path = element('path', { class: 'edge' });
      edgeLayer.append(path);
      edgeEls.set(n.id, path);
    }
    const midY = (a.py + b.py) / 2;
    path.setAttribute('d', `M${a.px},${a.py} C${a.px},${midY} ${b.px},${midY} ${b.px},${b.py}`);
    path.dataset.from = n.parent;
    path.dataset.to = n.id;
    const ghost = n.health === 'dead' || n.health === 'draining';
    path.classList.toggle('ghost', ghost);
    const bps = rate.get(n.id) || 0;
    path.setAttribute('stroke-width', (1.5 + 8 * Math.sqrt(bps / maxEdge)).toFixed(1));
    setTitle(path, `${n.parent} → ${n.id}: ${formatRate(bps)}`);
  }
  for (const [id, path] of edgeEls) {
    if (!wanted.has(id)) {
      path.remove();
      edgeEls.delete(id);
    }
  }

  // Nodes.
  const present = new Set();
  for (const n of snapshot.nodes) {
    const p = pos.get(n.id);
    if (!p) continue;
    present.add(n.id);
    let g = nodeEls.get(n.id);
    if (!g) {
      g = element('g', { class: 'node' });
      g.append(element('circle', { class: 'ring' }), element('circle', { class: 'body' }),
               element('path', { class: 'cross' }), element('text', { class: 'id' }), element('text', { class: 'sub' }));
      nodeLayer.append(g);
      nodeEls.set(n.id, g);
    }
    const r = n.id === snapshot.root ? Math.max(16, radius(n)) : radius(n);
    g.dataset.id = n.id;
    g.dataset.parent = n.parent || '';
    g.dataset.health = n.health;
    g.dataset.level = String(p.row);
    g.setAttribute('transform', `translate(${p.px},${p.py})`);
    const part = (cls) => g.querySelector(`:scope > .${cls}`);
    const [ring, body, cross, idText, sub] = ['ring', 'body', 'cross', 'id', 'sub'].map(part);
    body.setAttribute('r', r.toFixed(1));
    ring.setAttribute('r', r.toFixed(1));
    const c = r * 0.45;
    cross.setAttribute('d', `M${-c},${-c} L${c},${c} M${c},${-c} L${-c},${c}`);
    idText.setAttribute('y', (r + 13).toFixed(1));
    idText.textContent = n.id;
    sub.setAttribute('y', (r + 25).toFixed(1));
    sub.textContent = n.health === 'dead' ? 'dead' : n.health === 'draining' ? 'drained'
        : [formatRate(n.outBytesPerSecond),
           n.id === snapshot.root ? `${n.children} relays` : n.capacity > 0 ? `${n.children}/${n.capacity} relays` : '',
           n.viewers ? `${n.viewers} viewer${n.viewers === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ');
    setTitle(g, `${n.id} (${n.health})\nparent: ${n.parent || '—'}\nregion: ${n.region || '—'}\n`
        + `child relays: ${n.children} of ${n.capacity}\nviewers: ${n.viewers}\n`
        + `in: ${formatRate(n.inBytesPerSecond)}\nout: ${formatRate(n.outBytesPerSecond)}`);
  }
  for (const [id, g] of nodeEls) {
    if (!present.has(id)) {
      g.remove();
      nodeEls.delete(id);
    }
  }

  // Events: each shown once, newest on top; a recent repair or move flashes.
  const now = Date.now();
  for (const e of snapshot.events) {
    if (e.seq <= lastSeq) continue;
    lastSeq = e.seq;
    const li = document.createElement('li');
    li.className = `${e.kind} fresh`;
    li.dataset.kind = e.kind;
    li.dataset.node = e.node;
    li.dataset.text = e.text;
    const time = document.createElement('time');
    time.textContent = new Date(now - e.agoMs).toLocaleTimeString([], { hour12: false });
    li.append(time, document.createTextNode(e.text));
    logList.prepend(li);
    while (logList.children.length > 100) logList.lastElementChild.remove();
    if ((e.kind === 'repair' || e.kind === 'move') && e.agoMs < FLASH_MS) flash(e.node);
  }

  const dead = snapshot.nodes.filter((n) => n.health === 'dead').length;
  const repairing = snapshot.nodes.filter((n) => n.health === 'repairing').length;
  const originOut = snapshot.nodes.find((n) => n.id === snapshot.root)?.outBytesPerSecond || 0;
  summary.textContent = `${snapshot.relays} relays · ${snapshot.depth} levels · root sends ${formatRate(originOut)}`
      + (repairing ? ` · ${repairing} repairing` : '') + (dead ? ` · ${dead} dead` : '');
}

function flash(id) {
  const g = nodeEls.get(id);
  const path = edgeEls.get(id);
  for (const el of [g, path]) {
    if (!el) continue;
    el.classList.remove('flash');
    void el.getBoundingClientRect(); // restart the animation
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), FLASH_MS);
  }
}

function setTitle(el, text) {
  let t = el.querySelector(':scope > title');
  if (!t) {
    t = element('title');
    el.prepend(t);
  }
  t.textContent = text;
}

function setStatus(text, cls) {
  transport = text;
  statusBox.textContent = text;
  statusBox.className = cls;
}

function connect() {
  if (!('EventSource' in window)) {
    poll();
    return;
  }
  const source = new EventSource('/api/tree/events');
  source.onopen = () => setStatus('live', 'live');
  source.onmessage = (m) => render(JSON.parse(m.data));
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      // Refused (e.g. too many feed connections) or not there: poll the snapshot instead.
      poll();
    } else {
      setStatus('reconnecting', 'down');
    }
  };
}

async function poll() {
  setStatus('polling', 'live');
  for (;;) {
    try {
      const response = await fetch('/api/tree/map', { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
      setStatus('polling', 'live');
    } catch (e) {
      setStatus('disconnected', 'down');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

window.treemap = {
  /** What is drawn now: nodes and edges read back from the SVG, log lines, the snapshot version. */
  state() {
    return {
      version,
      transport,
      nodes: [...nodeLayer.querySelectorAll('g.node')].map((g) => ({
        id: g.dataset.id, parent: g.dataset.parent || null, health: g.dataset.health, level: Number(g.dataset.level),
        r: Number(g.querySelector('circle.body').getAttribute('r')),
      })),
      edges: [...edgeLayer.querySelectorAll('path.edge')].map((p) => ({
        from: p.dataset.from, to: p.dataset.to, ghost: p.classList.contains('ghost'),
        width: Number(p.getAttribute('stroke-width')),
      })),
      log: [...logList.children].map((li) => ({ kind: li.dataset.kind, node: li.dataset.node,
                                                text: li.dataset.text })),
    };
  },
};

connect();
