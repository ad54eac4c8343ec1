// The page around the third-party MoQ player <moq-watch> (npm @moq/watch, bundled into moq-watch.js at build
// time): picks a Treecast relay, points the element at it over moq-lite, and moves it to another relay when the one
// it plays from goes silent. Plain ES module, no build step. `window.moqPage.stats()` is read by the browser test
// harness (src/test/js/moq-watch.mjs): keep its fields stable.
//
// The connection contract is docs/moq-lite.md: url="http://HOST:WT_PORT/" (the element fetches
// /certificate.sha256 over TCP on that port and opens WebTransport to https://HOST:WT_PORT/, negotiating
// moq-lite), name="<Treecast broadcast>", the viewer token as ?token= on the URL.
//
// What @moq/watch does by itself when its relay dies (read in @moq/net 0.2.8 connection/reload.js, and seen in the
// relay-kill test): it notices only when the QUIC connection closes (a relay that vanished without a word: the
// idle timeout), then retries THE SAME URL with backoff (1 s, 2 s, 4 s, 5 s) for 10 s and gives up. A Treecast
// relay that was killed does not come back at that address, so this page does what the Treecast player does: when
// no frame has been rendered for ?silence= ms (default 3000) it asks the ingest's director for an edge again,
// avoiding the silent one for a while, and re-points the element (a new url makes it reconnect at once).
//
// Page parameters:
//   ?director=http://ingest:8080   where the director is (default: this page's own origin, i.e. a page served by
//                                  the ingest; a page served by a relay's gateway falls back to that relay alone)
//   ?url=http://host:port/          start on this relay (moq-lite URL) instead of asking
//   ?token=tc1....                  the viewer token (else the director's, in demo mode)
//   ?silence=3000                   ms without a rendered frame before moving to another relay
//   ?failover=off                   never move: leave reconnecting to @moq/watch alone
//   ?unmuted                        start with sound (browsers may refuse audio before a click)
//   ?reload=on                      let the element wait for the relay's announcement of the broadcast before it
//                                   subscribes (its default; off here, see below at reload)

import './moq-watch.js';

const params = new URLSearchParams(location.search);
const SILENCE_MS = clamp(Number(params.get('silence')) || 3000, 500, 60_000);
/** How long a freshly pointed element may take to render its first frame before another relay is tried. */
const ATTEMPT_MS = 8000;
/** A relay left for silence is not picked again for this long: the director lists it until the tree notices. */
const AVOID_MS = 15_000;
const FAILOVER = params.get('failover') !== 'off';
const TICK_MS = 250;
const MAX_EVENTS = 50;

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

/** `/moq/<broadcast>` (the broadcast may contain '/'), else `?broadcast=`, else `demo`. */
function broadcastFromLocation() {
  const m = location.pathname.match(/^\/moq\/(.+?)\/?$/);
  if (m) return m[1].split('/').map(decodeURIComponent).join('/');
  return params.get('broadcast') || 'demo';
}

/**
 * A relay's treecast/1 WebTransport URL (`https://host:port/watch/<b>?token=...`, what the director and /api/edge
 * give) → the moq-lite URL of the same relay (docs/moq-lite.md): `http://host:port/`, query (the token) kept, or
 * replaced by `token` when given.
 */
export function moqUrlOf(webTransportUrl, token) {
  const u = new URL(webTransportUrl);
  const query = new URLSearchParams(u.search);
  if (token) query.set('token', token);
  const search = query.toString();
  return `http://${u.hostname}:${u.port || '443'}/${search ? `?${search}` : ''}`;
}

function nodeOf(url) {
  try {
    return new URL(url).host;
  } catch (_) {
    return url;
  }
}

async function fetchJson(url) {
  const response = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } });
  let body = null;
  try {
    body = await response.json();
  } catch (_) { /* not JSON */ }
  return { status: response.status, ok: response.ok, body };
}

/**
 * The relays to try, best first: `[{node, url}]` with moq-lite URLs. From the director (`?director=`, else this
 * page's origin), else, for a page served by a relay's gateway, `/api/edge`: that relay.
 */
async function findEdges(broadcast) {
  const pageToken = params.get('token');
  const director = (params.get('director') || '').replace(/\/+$/, '');
  let why;
  try {
    const r = await fetchJson(`${director}/api/director?broadcast=${encodeURIComponent(broadcast)}`);
    if (r.ok && r.body && r.body.edge && r.body.edge.url) {
      const token = pageToken ?? r.body.token ?? null;
      return [r.body.edge, ...(Array.isArray(r.body.alternates) ? r.body.alternates : [])]
        .filter((e) => e && e.url).map((e) => ({ node: e.node ?? nodeOf(e.url), url: moqUrlOf(e.url, token) }));
    }
    why = r.body && r.body.error ? `the director says: ${r.body.error}` : `the director answered HTTP ${r.status}`;
  } catch (e) {
    why = `the director is unreachable (${errorText(e)})`;
  }
  if (!director) {
    try {
      const r = await fetchJson('/api/edge');
      if (r.ok && r.body && r.body.webtransport) {
        return [{ node: r.body.node ?? location.host, url: moqUrlOf(r.body.webtransport, pageToken) }];
      }
      why += `; /api/edge answered HTTP ${r.status}`;
    } catch (e) {
      why += `; /api/edge is unreachable (${errorText(e)})`;
    }
  }
  throw new Error(`could not find a relay for '${broadcast}': ${why}`);
}

// ------------------------------------------------------------------------------------------------ the page

class Page {
  constructor(el, ui) {
    this.el = el;
    this.ui = ui;
    this.broadcast = broadcastFromLocation();
    this.relay = null; // node id of the relay the element is pointed at
    this.url = null;
    this.attemptAt = performance.now(); // when the element was last pointed somewhere
    this.firstFrameMs = null; // performance.now() of the first rendered frame (ms since navigation)
    this.framesRendered = 0; // distinct frames the element drew on its canvas
    this.lastFrameAt = null;
    this.lastFrameTimestamp = null; // media timestamp (ms) of the frame on screen
    this.maxGapMs = 0; // longest time between two rendered frames, since the first
    this.gaps = []; // gaps over 500 ms: {atMs, ms}
    this.switches = []; // {atMs, from, to, reason}
    this.events = []; // connection status changes of the element: {atMs, status, relay}
    this.selfReconnects = 0; // times the element reconnected by itself (same URL, no re-pointing by the page)
    this.avoid = new Map(); // node → performance.now() until which it is not picked
    this.switching = false;
    this.error = null;
    this.status = 'starting';
    this.lastStatus = null;
    this.pointedSinceConnected = false; // the page re-pointed the element since it was last connected
    this.everConnected = false;
  }

  start() {
    this.ui.broadcast.textContent = this.broadcast;
    document.title = `${this.broadcast} · moq-watch · Treecast`;
    // No WebSocket fallback: a Treecast relay speaks moq-lite over WebTransport only.
    this.el.connection.websocket = { enabled: false };
    if (params.has('unmuted')) this.el.removeAttribute('muted');
    // reload=false: subscribe at once instead of waiting for the relay to announce the broadcast. With the element's
    // default (wait for the announcement), some sessions to a freshly started leaf stayed connected without a catalog
    // (3 of 8 test sessions, 0 of 4 without waiting): see README. ?reload=on restores the default.
    if (params.get('reload') !== 'on') this.el.setAttribute('reload', 'false');
    this.el.setAttribute('name', this.broadcast);
    this.el.renderer.out.timestamp.subscribe((ts) => this.#rendered(ts));
    this.el.connection.status.subscribe((s) => this.#connectionStatus(s));
    setInterval(() => this.#tick(), TICK_MS);
    const first = params.get('url');
    if (first) {
      this.#point({ node: nodeOf(first), url: first }, 'the page URL names it');
    } else {
      this.#switch('start');
    }
  }

  #rendered(timestamp) {
    if (timestamp == null || timestamp === this.lastFrameTimestamp) return;
    const now = performance.now();
    if (this.lastFrameAt != null) {
      const gap = now - this.lastFrameAt;
      this.maxGapMs = Math.max(this.maxGapMs, gap);
      if (gap > 500 && this.gaps.length < MAX_EVENTS) this.gaps.push({ atMs: Math.round(now), ms: Math.round(gap) });
    } else {
      this.firstFrameMs = Math.round(now);
      console.info(`moq-watch page: first frame after ${this.firstFrameMs} ms from ${this.relay}`);
    }
    this.lastFrameTimestamp = timestamp;
    this.lastFrameAt = now;
    this.framesRendered++;
  }

  #connectionStatus(status) {
    const now = Math.round(performance.now());
    if (this.events.length < MAX_EVENTS) this.events.push({ atMs: now, status, relay: this.relay });
    if (status === 'connected') {
      // Connected again without the page re-pointing it since the last time: @moq/watch's own reload loop.
      if (this.everConnected && !this.pointedSinceConnected) this.selfReconnects++;
      this.everConnected = true;
      this.pointedSinceConnected = false;
    }
    this.lastStatus = status;
  }

  #point(edge, reason) {
    const now = performance.now();
    if (this.switches.length < MAX_EVENTS) {
      this.switches.push({ atMs: Math.round(now), from: this.relay, to: edge.node, reason });
    }
    console.info(`moq-watch page: playing from ${edge.node} (${edge.url.replace(/token=[^&]*/, 'token=…')}): ${reason}`);
    this.relay = edge.node;
    this.attemptAt = now;
    this.pointedSinceConnected = true;
    if (this.el.getAttribute('url') === edge.url) {
      // Same URL: a new value is what makes the element reconnect, so clear it first.
      this.el.removeAttribute('url');
      setTimeout(() => this.el.setAttribute('url', edge.url), 0);
    } else {
      this.el.setAttribute('url', edge.url);
    }
    this.url = edge.url;
  }

  /** Asks for relays again and re-points the element, avoiding the ones that went silent lately. */
  async #switch(reason) {
    if (this.switching) return;
    this.switching = true;
    try {
      const edges = await findEdges(this.broadcast);
      const now = performance.now();
      const pick = edges.find((e) => !((this.avoid.get(e.node) ?? 0) > now)) ?? edges[0];
      this.error = null;
      this.#point(pick, reason);
    } catch (e) {
      this.error = errorText(e);
      this.attemptAt = performance.now(); // try again after another silence period
      console.warn(`moq-watch page: ${this.error}`);
    } finally {
      this.switching = false;
    }
  }

  #tick() {
    const now = performance.now();
    const playingSincePoint = this.lastFrameAt != null && this.lastFrameAt >= this.attemptAt;
    const since = playingSincePoint ? this.lastFrameAt : this.attemptAt;
    const limit = playingSincePoint ? SILENCE_MS : ATTEMPT_MS;
    const silentMs = now - since;
    if (this.lastFrameAt != null && now - this.lastFrameAt < 1000) this.status = 'playing';
    else if (this.lastStatus === 'connected') this.status = 'waiting for frames';
    else this.status = this.lastStatus ?? 'starting';
    if (FAILOVER && !this.switching && this.url && silentMs > limit) {
      if (this.relay) this.avoid.set(this.relay, now + AVOID_MS);
      this.#switch(playingSincePoint
        ? `no frame from ${this.relay} for ${Math.round(silentMs)} ms`
        : `${this.relay} rendered nothing within ${Math.round(silentMs)} ms`);
    }
    this.#render();
  }

  #render() {
    const u = this.ui;
    u.state.textContent = this.status;
    const decoded = this.#decoderStats();
    u.frames.textContent = `${this.framesRendered} rendered${decoded ? `, ${decoded.frameCount} received` : ''}`;
    u.relay.textContent = this.relay ?? '–';
    u.url.textContent = this.url ? this.url.replace(/token=[^&]*/, 'token=…') : '–';
    u.switches.textContent = String(Math.max(0, this.switches.length - 1));
    u.error.textContent = this.error ?? '';
    u.error.hidden = !this.error;
  }

  #decoderStats() {
    try {
      return this.el.video?.out?.stats?.peek?.() ?? null;
    } catch (_) {
      return null;
    }
  }

  /** A cheap fingerprint of what the canvas shows: a 16x9 grid of pixels. Changes when the picture moves. */
  canvasSignature() {
    const canvas = this.el.querySelector('canvas');
    if (!canvas || canvas.width === 0 || canvas.height === 0) return null;
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let hash = 0;
    let lit = 0;
    for (let gy = 0; gy < 9; gy++) {
      for (let gx = 0; gx < 16; gx++) {
        const x = Math.floor(((gx + 0.5) * canvas.width) / 16);
        const y = Math.floor(((gy + 0.5) * canvas.height) / 9);
        const i = (y * canvas.width + x) * 4;
        const v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        if (v !== 0) lit++;
        hash = (Math.imul(hash, 31) + v) | 0;
      }
    }
    return { hash: (hash >>> 0).toString(16), lit, width: canvas.width, height: canvas.height };
  }

  stats() {
    const now = performance.now();
    return {
      broadcast: this.broadcast,
      relay: this.relay,
      url: this.url ? this.url.replace(/token=[^&]*/, 'token=…') : null,
      status: this.status,
      connection: this.lastStatus,
      nowMs: Math.round(now),
      firstFrameMs: this.firstFrameMs,
      framesRendered: this.framesRendered,
      lastFrameAgoMs: this.lastFrameAt == null ? null : Math.round(now - this.lastFrameAt),
      frameTimestampMs: this.lastFrameTimestamp,
      maxGapMs: Math.round(this.maxGapMs),
      gaps: this.gaps,
      decoder: this.#decoderStats(),
      switches: this.switches,
      events: this.events,
      selfReconnects: this.selfReconnects,
      failover: FAILOVER,
      error: this.error,
    };
  }
}

const el = document.getElementById('player');
const ui = Object.fromEntries(['broadcast', 'state', 'frames', 'relay', 'switches', 'url', 'error']
  .map((id) => [id, document.getElementById(id)]));
const page = new Page(el, ui);
window.moqPage = { stats: () => page.stats(), canvas: () => page.canvasSignature(), element: el };
page.start();
