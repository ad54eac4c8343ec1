// The Treecast browser player: finds an edge relay, speaks treecast/1 over WebTransport (treecast.js), feeds
// CMAF fragments to Media Source Extensions (mse.js), keeps latency low, and shows what it is doing.
// Plain ES module, no build step. `window.treecast.stats()` is read by the browser test harness
// (src/test/js/play.mjs): keep its fields stable.

// Relative imports: they resolve next to wherever player.js itself was served from.
import {
  TreecastSession, NOT_FOUND, describeError, tokenProblem, tokenOf, withToken, withoutToken,
} from './treecast.js';
import { parseInit, parseFragment } from './fmp4.js';
import { TrackBuffer, aheadOf, nextRangeStart, rangesToString } from './mse.js';
import { ObjectVerifier } from './signature.js';

// ------------------------------------------------------------------------------------------------ settings

const params = new URLSearchParams(location.search);

/**
 * Seconds of media to hold ahead of the playhead, measured just before the next fragment lands (the minimum over
 * the last 1.5 s). Latency settles near this + one fragment (200 ms) + transport.
 */
const TARGET_AHEAD = clamp(Number(params.get('target')) || 0.35, 0.1, 5);
/** Start catching up above TARGET_AHEAD + CATCH_UP (stop at the target), at up to MAX_RATE. */
const CATCH_UP = 0.15;
const MAX_RATE = 1.25;
/**
 * Below TARGET_AHEAD - SLOW_DOWN play at SLOW_RATE until back near the target: the cushion against delivery
 * jitter is rebuilt slowly instead of waiting for a stall (the source may run a little slower than our clock).
 */
const SLOW_DOWN = 0.15;
const SLOW_RATE = 0.95;
/** Further behind than this: seek near the live edge instead of speeding up. */
const JUMP = 3.0;
/** The window over which the minimum of "ahead" is taken: longer than the gap between two fragments. */
const AHEAD_WINDOW_MS = 1500;
/** How long a newer group waits for the tail of the group being appended before that tail is given up. */
const GROUP_HOLD_MS = 500;
const TICK_MS = 100;
/** `?debug`: log per-object decisions to the console. */
const DEBUG = params.has('debug');
/** A session that brings no bytes for this long once media flowed is presumed dead (a relay gone silent). */
const SILENCE_MS = 4000;
/** How long to wait for a relay to accept a session before trying the next one. */
const CONNECT_TIMEOUT_MS = 5000;
const BITRATE_WINDOW_MS = 2000;

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

/** `/watch/<broadcast>` (the broadcast may contain '/'), else `?broadcast=`, else `demo`. */
function broadcastFromLocation() {
  const m = location.pathname.match(/^\/watch\/(.+?)\/?$/);
  if (m) return m[1].split('/').map(decodeURIComponent).join('/');
  return params.get('broadcast') || 'demo';
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function base64ToBytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// ------------------------------------------------------------------------------------------------ edge discovery

/** `https://host:port/watch/` + `live/final` → `https://host:port/watch/live/final` (each segment escaped). */
function joinWatchUrl(base, broadcast) {
  const path = broadcast.split('/').map(encodeURIComponent).join('/');
  return base.endsWith('/') ? base + path : `${base}/${path}`;
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
 * The relays to try, best first, and the broadcast key objects are verified with (base64, or null):
 * `{edges: [{node, url, certificateSha256}], key}`. Each URL carries the viewer token, if there is one: the page's
 * own `?token=` (what an operator's site hands out), else the director's `token` (demo mode), checked by the relay
 * on the CONNECT.
 * 1. `?edge=https://host:port/watch/demo&hash=<hex>[&key=<base64>]` (debugging override);
 * 2. the ingest's director, `/api/director?broadcast=` → `{edge, alternates, broadcastKey, token}`;
 * 3. when the page is served by a relay (the director answers 404), `/api/edge` →
 *    `{node, webtransport, certificateSha256, broadcastKey}`.
 */
async function findEdges(broadcast) {
  const pageToken = params.get('token');
  const edge = params.get('edge');
  if (edge) {
    return {
      edges: [{ node: null, url: withToken(edge, pageToken), certificateSha256: params.get('hash') }],
      key: params.get('key'),
    };
  }
  let why;
  try {
    const r = await fetchJson('/api/director?broadcast=' + encodeURIComponent(broadcast));
    if (r.ok && r.body && r.body.edge && r.body.edge.url) {
      const token = pageToken ?? r.body.token ?? null;
      const edges = [r.body.edge, ...(Array.isArray(r.body.alternates) ? r.body.alternates : [])]
        .filter((e) => e && e.url).map((e) => ({ ...e, url: withToken(e.url, token) }));
      return { edges, key: r.body.broadcastKey ?? null };
    }
    why = r.body && (r.body.error || r.body.message)
      ? `the director says: ${r.body.error || r.body.message}`
      : `the director answered HTTP ${r.status}`;
    if (r.ok) why = 'the director named no relay';
  } catch (e) {
    why = `the director is unreachable (${errorText(e)})`;
  }
  try {
    const r = await fetchJson('/api/edge');
    if (r.ok && r.body && r.body.webtransport) {
      return {
        edges: [{
          node: r.body.node ?? null,
          url: withToken(joinWatchUrl(r.body.webtransport, broadcast), pageToken),
          certificateSha256: r.body.certificateSha256 ?? null,
        }],
        key: r.body.broadcastKey ?? null,
      };
    }
    why += `; /api/edge answered HTTP ${r.status}`;
  } catch (e) {
    why += `; /api/edge is unreachable (${errorText(e)})`;
  }
  throw new Error(`could not find a relay for '${broadcast}': ${why}`);
}

// ------------------------------------------------------------------------------------------------ latency clock

/**
 * Maps media time to the ingest's wall clock, to measure latency as a viewer sees it.
 *
 * Every object carries the ingest timestamp: the ingest's wall clock (µs since the epoch) when it published the
 * fragment, which is when the fragment's last sample had been captured (an encoder can only emit a fragment
 * once its last sample exists; the looping clip is released on exactly that schedule). So the fragment's end
 * media time E = (tfdt + sum of sample durations) / timescale corresponds to wall time W = timestamp / 1000 ms,
 * and because media is captured in real time, media time t inside that fragment was captured at
 * W - (E - t) * 1000 ms. The fragment holding t is the first whose end is >= t.
 *
 *   latencyMs = Date.now() - (W - (E - currentTime) * 1000)
 *
 * i.e. how long ago the frame now on screen was captured: encoder/ingest + tree + network + player buffer.
 * It assumes the viewer's clock agrees with the ingest's (NTP; on one machine exactly). Entries come from one
 * track only (video if there is one) since each track has its own fragment boundaries.
 */
class MediaClock {
  constructor() {
    this.entries = []; // {start, end, wallMs}, sorted by end
  }

  add(start, end, wallMs) {
    const e = this.entries;
    let i = e.length;
    while (i > 0 && e[i - 1].end > end) i--;
    if (i > 0 && e[i - 1].end === end) {
      e[i - 1] = { start, end, wallMs };
    } else {
      e.splice(i, 0, { start, end, wallMs });
    }
    if (e.length > 600) e.splice(0, e.length - 600);
  }

  /** Ingest wall time (ms since the epoch) at which media time `t` was captured; null before any data. */
  wallAt(t) {
    const e = this.entries;
    if (e.length === 0) return null;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid].end < t) lo = mid + 1;
      else hi = mid;
    }
    const entry = lo < e.length ? e[lo] : e[e.length - 1];
    return entry.wallMs - (entry.end - t) * 1000;
  }

  /** Drops entries that ended well before `t`. */
  prune(t) {
    let n = 0;
    while (n < this.entries.length - 1 && this.entries[n].end < t - 30) n++;
    if (n > 0) this.entries.splice(0, n);
  }

  clear() {
    this.entries = [];
  }
}

// ------------------------------------------------------------------------------------------------ group order

/**
 * Hands one track's objects on in group order. Groups come on concurrent streams, and MSE must not see an older
 * group's frames after a newer group's: going back in decode time makes the browser drop every frame until the
 * next keyframe (MSE "coded frame processing": need random access point), which for video is a one-group hole.
 * So a newer group waits (at most GROUP_HOLD_MS) while the group being appended is still open; when that one
 * ends (FIN or reset) or the wait runs out, the newer group's objects flow. Objects of a group older than the one
 * being appended are dropped.
 */
class GroupSequencer {
  constructor(deliver, drop) {
    this.deliver = deliver;
    this.drop = drop;
    this.current = null;
    this.currentDone = false;
    this.pending = new Map(); // group → {objects, done}
    this.timer = null;
  }

  onObject(object, group) {
    if (this.current !== null && group > this.current && this.currentDone) {
      this.#advance(); // first the groups that were waiting, oldest first
      if (group > this.current && this.currentDone) {
        this.current = group;
        this.currentDone = false;
      }
    }
    if (this.current === null) {
      this.current = group;
      this.currentDone = false;
    }
    if (group === this.current) {
      this.deliver(object, group);
    } else if (group < this.current) {
      this.drop(object, group);
    } else {
      let p = this.pending.get(group);
      if (!p) this.pending.set(group, (p = { objects: [], done: false }));
      p.objects.push(object);
      if (this.timer == null) this.timer = setTimeout(() => this.#giveUp(), GROUP_HOLD_MS);
    }
  }

  onGroupEnd(group) {
    if (group === this.current) {
      this.currentDone = true;
      if (this.pending.size > 0) this.#advance();
    } else if (this.pending.has(group)) {
      this.pending.get(group).done = true;
    }
  }

  #giveUp() {
    this.timer = null;
    if (this.pending.size > 0) {
      this.currentDone = true;
      this.#advance();
    }
  }

  /** The current group is over: move to the oldest waiting group, flushing it, and on while those are done. */
  #advance() {
    clearTimeout(this.timer);
    this.timer = null;
    while (this.currentDone && this.pending.size > 0) {
      const next = Math.min(...this.pending.keys());
      const p = this.pending.get(next);
      this.pending.delete(next);
      this.current = next;
      this.currentDone = p.done;
      for (const o of p.objects) this.deliver(o, next);
    }
    if (this.currentDone && this.pending.size === 0) {
      // Stay on `current` so its stragglers are still recognised as old; the next group simply advances.
    } else if (this.pending.size > 0) {
      this.timer = setTimeout(() => this.#giveUp(), GROUP_HOLD_MS);
    }
  }

  reset() {
    clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
    this.currentDone = false;
    this.pending.clear();
  }
}

// ------------------------------------------------------------------------------------------------ the player

class Player {
  constructor(video, ui) {
    this.video = video;
    this.ui = ui;
    this.broadcast = broadcastFromLocation();
    this.session = null;
    this.edge = null;
    this.catalogSub = null;
    this.catalog = null; // the parsed catalog in use
    this.catalogKey = null; // names + MIME types of the catalog in use
    this.catalogGroup = null; // its group number on the catalog track (one group per catalog version)
    this.broadcastLive = true; // false after an ANNOUNCE saying the broadcast ended
    this.tracks = new Map(); // name → {info, buffer, defaults, timescale, sub, sequencer, appendedEnd, clock}
    this.mediaSource = null;
    this.sourceOpen = null;
    this.clock = new MediaClock();
    this.started = false; // playback has started at least once
    this.startupMs = null;
    this.ttffReport = null; // null, 'sending', the HTTP status of POST /api/ttff, or 'failed'
    this.stalls = 0;
    this.stallMs = 0;
    this.stallSince = null;
    this.seekingByUs = false;
    this.jumps = 0;
    this.objectsReceived = 0;
    this.objectsDropped = 0;
    /** Why: `late` = of a group older than the one being appended, `behind` = ended before the playhead,
     * `duplicate` = already appended (a resubscription resent it). */
    this.dropReasons = { late: 0, behind: 0, duplicate: 0 };
    this.groupsDropped = 0;
    /** Objects whose signature failed (never appended), and the last few of them with why. */
    this.rejectedObjects = 0;
    this.rejected = [];
    this.verifier = null; // {keyB64, verifier} for the broadcast key in use; null: objects are not verified
    this.bytesReceived = 0;
    this.lastMediaAt = null; // performance.now() of the last object of a media track, in this session
    this.byteWindow = []; // [timeMs, bytes] buckets of 100 ms
    this.aheadHistory = []; // [timeMs, ahead]
    this.error = null;
    this.status = 'starting';
    this.mediaErrors = 0;
    this.stopped = false;
    this.#wireMediaEvents();
  }

  // -------------------------------------------------------------- lifecycle

  async run() {
    this.ui.broadcast.textContent = this.broadcast;
    document.title = `${this.broadcast} · Treecast`;
    setInterval(() => this.#tick(), TICK_MS);
    this.#newMediaSource();
    let failures = 0;
    while (!this.stopped) {
      let edges;
      let verifier;
      try {
        this.#setStatus('finding a relay');
        const found = await findEdges(this.broadcast);
        edges = found.edges;
        verifier = await this.#verifierFor(found.key);
      } catch (e) {
        this.#setError(errorText(e));
        await sleep(Math.min(5000, 1000 * 2 ** failures++));
        continue;
      }
      let lastError = null;
      let served = false;
      for (const edge of edges) {
        const name = edge.node || new URL(edge.url).host;
        this.#setStatus(`connecting to ${name}`);
        let session;
        try {
          session = await TreecastSession.connect(edge.url, {
            certificateSha256: edge.certificateSha256,
            nodeId: `viewer-${Math.random().toString(36).slice(2, 10)}`,
            timeoutMs: CONNECT_TIMEOUT_MS,
            verifier,
          });
        } catch (e) {
          lastError = `could not reach the relay ${name} (${withoutToken(edge.url)}): ${errorText(e)}`
            + this.#connectHint(e, edge.url);
          console.warn(`treecast: ${lastError}`);
          continue;
        }
        failures = 0;
        served = true;
        const reason = await this.#serve(session, edge);
        if (this.stopped) return;
        lastError = `lost the relay ${session.relay || name}: ${reason}`;
        break; // ask the director again: it knows best where to go now
      }
      if (lastError) this.#setError(`${lastError} — retrying`);
      await sleep(served ? 500 : Math.min(5000, 1000 * 2 ** failures++));
    }
  }

  /**
   * What to add to a failed connect. A browser does not show why a WebTransport CONNECT was refused (the relay
   * answers 401 or 403 for a token it refuses), so the player says what it can tell from the token itself.
   */
  #connectHint(e, url) {
    if (!/handshake/i.test(errorText(e))) return '';
    const token = tokenOf(url);
    const problem = token ? tokenProblem(token, this.broadcast) : null;
    if (problem) return ` (refused: ${problem})`;
    return token
      ? ' (is it running, is UDP open, is the certificate hash right? or did it refuse the viewer token: not signed by'
        + ' this fleet\'s operator key?)'
      : ' (is it running, is UDP open, is the certificate hash right? or does this fleet need a viewer token:'
        + ' ?token=... on the page URL)';
  }

  /**
   * The verifier for the broadcast key `keyB64` (null without a key: objects are then played unchecked). Throws
   * when the browser cannot check Ed25519: playing unverified video from a key-holding edge would defeat it.
   */
  async #verifierFor(keyB64) {
    if (!keyB64) {
      if (this.verifier !== false) console.warn('treecast: no broadcast key: objects are played without checking their signatures');
      this.verifier = false;
      return null;
    }
    if (this.verifier && this.verifier.keyB64 === keyB64) return this.verifier.verifier;
    let key;
    try {
      key = base64ToBytes(keyB64);
    } catch (_) {
      throw new Error(`the broadcast key '${keyB64}' is not base64`);
    }
    const verifier = await ObjectVerifier.create(key);
    this.verifier = { keyB64, verifier };
    console.info(`treecast: verifying every object with broadcast key ${keyB64}`);
    return verifier;
  }

  /** An object whose signature failed: counted, never appended; the relay's data is not trusted for it. */
  #rejected(track, object, group, reason) {
    this.rejectedObjects++;
    this.rejected.push({ track, group, sequence: object.sequence, reason });
    if (this.rejected.length > 16) this.rejected.shift();
    console.warn(`treecast: dropped object ${object.sequence} of group ${group} of ${track} from ${this.session?.relay}: signature ${reason}`);
  }

  /** Runs one session until it closes; returns why it closed. */
  async #serve(session, edge) {
    this.session = session;
    this.edge = edge;
    session.onBytes = (n) => this.#countBytes(n);
    session.onAnnounce = (m) => {
      if (m.broadcast !== this.broadcast) return;
      this.broadcastLive = m.live;
      if (!m.live) {
        this.#setError(`the broadcast '${this.broadcast}' has ended; waiting for it to come back`);
      } else if (this.catalogSub == null) {
        this.#subscribeCatalog();
      }
    };
    this.lastMediaAt = null;
    this.#setStatus(`connected to ${session.relay}`);
    this.#clearError();
    this.#subscribeCatalog();
    const { reason } = await session.closed;
    for (const t of this.tracks.values()) {
      t.sub = null;
      t.sequencer.reset();
    }
    this.catalogSub = null;
    this.session = null;
    return reason;
  }

  #subscribeCatalog() {
    const session = this.session;
    if (!session || session.isClosed) return;
    this.catalogSub = session.subscribe(this.broadcast, 'catalog', 0, {
      onRejected: (object, group, reason) => this.#rejected('catalog', object, group, reason),
      onObject: (object, group) => {
        this.objectsReceived++;
        this.#onCatalog(object, group, session);
      },
      onError: ({ code, reason }) => {
        this.catalogSub = null;
        if (code === NOT_FOUND) {
          this.#setError(`the broadcast '${this.broadcast}' is not live on ${session.relay} (${reason}); waiting for it`);
        } else {
          this.#setError(`the relay refused the catalog of '${this.broadcast}': ${reason} (${describeError(code)})`);
        }
        // Try again shortly (also done at once when the broadcast is announced).
        setTimeout(() => {
          if (this.session === session && this.catalogSub == null) this.#subscribeCatalog();
        }, 2000);
      },
    });
  }

  // -------------------------------------------------------------- catalog and tracks

  async #onCatalog(object, group, session) {
    let catalog;
    try {
      catalog = JSON.parse(new TextDecoder().decode(object.payload));
      if (!Array.isArray(catalog.tracks)) throw new Error('no tracks');
    } catch (e) {
      this.#setError(`the catalog of '${this.broadcast}' is unreadable: ${errorText(e)}`);
      return;
    }
    const usable = catalog.tracks.filter((t) => (t.kind === 'video' || t.kind === 'audio') && t.init && t.mimeType);
    const playable = usable.filter((t) => MediaSource.isTypeSupported(t.mimeType));
    for (const t of usable) {
      if (!playable.includes(t)) console.warn(`treecast: this browser cannot play ${t.name} (${t.mimeType})`);
    }
    if (playable.length === 0) {
      this.#setError(`this browser can play none of the tracks of '${this.broadcast}' (${usable.map((t) => t.mimeType).join(', ') || 'none listed'})`);
      return;
    }
    if (this.catalogGroup != null && group < this.catalogGroup) return; // an older version, from a lagging relay
    const key = playable.map((t) => `${t.name}|${t.mimeType}`).join(',');
    if (this.catalogKey !== null && (key !== this.catalogKey || group > this.catalogGroup)) {
      // A new catalog version means a new encoder session: other tracks or codecs perhaps, and in any case a
      // timeline that starts again (the ingest passes an upload's decode times through). Appending it to the
      // old timeline would strand the playhead, so start over with a new MediaSource.
      console.info(`treecast: catalog version ${group} replaces ${this.catalogGroup}; restarting the media pipeline`);
      this.#newMediaSource();
    }
    this.catalogGroup = group;
    this.catalogKey = key;
    await this.sourceOpen;
    if (session !== this.session || session.isClosed || this.catalogGroup !== group) return;
    this.catalog = catalog;
    if (this.tracks.size === 0) {
      for (const info of playable) this.#addTrack(info);
    }
    for (const info of playable) {
      const t = this.tracks.get(info.name);
      if (!t) continue;
      if (t.initB64 !== info.init) {
        // A new init segment (first catalog, or the encoder restarted): MSE takes it mid-stream.
        const init = base64ToBytes(info.init);
        t.info = info;
        t.initB64 = info.init;
        t.defaults = parseInit(init);
        t.timescale = info.timescale || t.defaults.get(info.trackId)?.timescale || 90000;
        t.buffer.append(init, null);
      }
      if (t.sub == null) this.#subscribeTrack(t, session);
    }
  }

  #addTrack(info) {
    const onError = (message) => this.#mediaFailed(message);
    const buffer = new TrackBuffer(this.mediaSource, this.video, info.name, info.mimeType, {
      onAppended: (item) => this.#onAppended(t, item),
      onError,
    });
    const t = {
      name: info.name, info, buffer, defaults: null, timescale: info.timescale, initB64: null, sub: null,
      appendedEnd: -Infinity, clock: false,
    };
    t.sequencer = new GroupSequencer(
      (object, group) => this.#deliver(t, object, group),
      (object, group) => {
        this.objectsDropped++;
        this.dropReasons.late++;
        if (DEBUG) console.info(`treecast: ${t.name} dropped object ${object.sequence} of old group ${group} (appending ${t.sequencer.current})`);
      },
    );
    this.tracks.set(info.name, t);
    // The latency clock follows the first video track (or the first track when there is no video).
    const clockTrack = [...this.tracks.values()].find((x) => x.info.kind === 'video') ?? [...this.tracks.values()][0];
    for (const x of this.tracks.values()) x.clock = x === clockTrack;
  }

  #subscribeTrack(t, session) {
    t.sequencer.reset();
    const priority = clamp(Number.isInteger(t.info.priority) ? t.info.priority : 1, 0, 255);
    t.sub = session.subscribe(this.broadcast, t.name, priority, {
      onRejected: (object, group, reason) => this.#rejected(t.name, object, group, reason),
      onObject: (object, group) => {
        this.objectsReceived++;
        this.lastMediaAt = performance.now();
        t.sequencer.onObject(object, group);
      },
      onGroupEnd: (group, { reset }) => {
        if (reset) this.groupsDropped++;
        t.sequencer.onGroupEnd(group);
      },
      onError: ({ code, reason }) => {
        t.sub = null;
        this.#setError(`the relay stopped the ${t.name} track: ${reason} (${describeError(code)})`);
        setTimeout(() => {
          if (this.session === session && !session.isClosed && t.sub == null && this.tracks.get(t.name) === t) {
            this.#subscribeTrack(t, session);
          }
        }, 1000);
      },
    });
  }

  /** One object of a track, in group order: append it unless it is already behind us. */
  #deliver(t, object, group) {
    const frag = parseFragment(object.payload, t.defaults);
    let meta = { group, sequence: object.sequence, wallMs: object.timestampMicros / 1000 };
    if (frag) {
      const start = frag.baseMediaDecodeTime / t.timescale;
      const end = (frag.baseMediaDecodeTime + frag.duration) / t.timescale;
      // Behind the playhead, or already appended (a resubscription may send a group we have): useless.
      if (this.started && end <= this.video.currentTime) {
        this.objectsDropped++;
        this.dropReasons.behind++;
        return;
      }
      if (end <= t.appendedEnd + 1e-6) {
        this.objectsDropped++;
        this.dropReasons.duplicate++;
        return;
      }
      t.appendedEnd = Math.max(t.appendedEnd, end);
      meta = { ...meta, start, end };
    }
    t.buffer.append(object.payload, meta);
  }

  #onAppended(t, item) {
    const m = item.meta;
    if (m && t.clock && m.end !== undefined) this.clock.add(m.start, m.end, m.wallMs);
    if (!this.started) this.#maybeStart();
  }

  // -------------------------------------------------------------- MediaSource

  #newMediaSource() {
    for (const t of this.tracks.values()) {
      t.sequencer.reset();
      if (t.sub) t.sub.unsubscribe();
    }
    this.tracks.clear();
    this.catalogKey = null;
    this.clock.clear();
    this.lastMediaAt = null;
    if (this.started) {
      // Playback continues from a fresh pipeline: that is a stall for the viewer.
      this.#stallBegins();
    }
    this.started = false;
    const ms = new MediaSource();
    this.mediaSource = ms;
    this.sourceOpen = new Promise((resolve) => ms.addEventListener('sourceopen', resolve, { once: true }));
    if (this.video.src) URL.revokeObjectURL(this.video.src);
    this.video.src = URL.createObjectURL(ms);
  }

  #mediaFailed(message) {
    this.mediaErrors++;
    this.#setError(`${message}; restarting the player`);
    if (this.mediaErrors > 5) {
      this.#setError(`${message}; giving up after ${this.mediaErrors} attempts`);
      return;
    }
    // Rebuild, then let the current session's catalog set it up again.
    this.#newMediaSource();
    if (this.session && !this.session.isClosed) {
      if (this.catalogSub) this.catalogSub.unsubscribe();
      this.catalogSub = null;
      this.#subscribeCatalog();
    }
  }

  /** Starts playback at the first keyframe buffered, as soon as every track has media there. */
  #maybeStart() {
    const b = this.video.buffered; // the intersection of all tracks' ranges
    if (b.length === 0 || this.mediaSource.readyState !== 'open') return;
    // The newest range: where the live edge is. It starts at a group's first object, a keyframe.
    const start = b.start(b.length - 1);
    this.started = true;
    this.#seek(start);
    this.video.muted = true; // autoplay is only allowed muted; the viewer can unmute
    const p = this.video.play();
    if (p) {
      p.catch((e) => {
        this.#setError(`the browser would not start playback: ${errorText(e)} — click the video`);
      });
    }
  }

  #seek(t) {
    this.seekingByUs = true;
    this.video.currentTime = t;
  }

  /**
   * Tells the server that served this page our time to first frame, once (its `treecast.player.ttff`, see the
   * README's Metrics): nothing that identifies the viewer, and playback never waits for it.
   */
  #reportTtff() {
    this.ttffReport = 'sending';
    fetch('/api/ttff', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ttffMs: this.startupMs }),
      keepalive: true,
    }).then((r) => { this.ttffReport = r.status; }, () => { this.ttffReport = 'failed'; });
  }

  // -------------------------------------------------------------- events and stalls

  #wireMediaEvents() {
    const v = this.video;
    v.addEventListener('playing', () => {
      if (this.startupMs == null) {
        this.startupMs = Math.round(performance.now());
        console.info(`treecast: playing after ${this.startupMs} ms at ${v.currentTime.toFixed(3)} s`);
        this.#reportTtff();
      }
      this.#stallEnds();
      this.aheadHistory = []; // what was measured while stalled says nothing about the cushion now
      this.#clearError();
      this.mediaErrors = 0;
    });
    v.addEventListener('waiting', () => {
      // Stalls count only after playback first started, and not while we are seeking on purpose.
      if (this.startupMs != null && !this.seekingByUs && !v.seeking) this.#stallBegins();
    });
    v.addEventListener('seeked', () => {
      this.seekingByUs = false;
      this.aheadHistory = [];
    });
    v.addEventListener('error', () => {
      const e = v.error;
      if (e && this.mediaSource) this.#mediaFailed(`the browser could not play the stream (${e.message || 'media error ' + e.code})`);
    });
    v.addEventListener('volumechange', () => this.#renderMute());
  }

  #stallBegins() {
    if (this.stallSince != null) return;
    this.stalls++;
    this.stallSince = performance.now();
    console.warn(`treecast: stall ${this.stalls} at ${this.video.currentTime.toFixed(3)} s, buffered ${rangesToString(this.video.buffered)}`);
  }

  #stallEnds() {
    if (this.stallSince == null) return;
    this.stallMs += performance.now() - this.stallSince;
    this.stallSince = null;
  }

  // -------------------------------------------------------------- the control loop

  #tick() {
    const v = this.video;
    const now = performance.now();
    const t = v.currentTime;
    const b = v.buffered;
    const ahead = aheadOf(b, t);
    this.aheadHistory.push([now, ahead]);
    while (this.aheadHistory.length && this.aheadHistory[0][0] < now - AHEAD_WINDOW_MS) this.aheadHistory.shift();

    if (this.started && !v.seeking && this.mediaSource.readyState === 'open') {
      // The playhead sits in a hole (a group tail that never came, a relay change): jump to the next buffered
      // media, however far; if that is still far behind the live edge, #steer jumps again.
      if (ahead < 0.05) {
        const next = nextRangeStart(b, t, Infinity);
        if (next != null) {
          console.warn(`treecast: skipping a gap ${t.toFixed(3)} → ${next.toFixed(3)} s`);
          this.#seek(next + 0.001);
        }
      }
      this.#steer(ahead, now);
    }
    // A relay that vanished without closing (host down, path broken) is noticed by silence, long before the QUIC
    // idle timeout: drop the session and let run() find another relay.
    const s = this.session;
    if (s && !s.isClosed && this.broadcastLive && this.lastMediaAt != null && now - this.lastMediaAt > SILENCE_MS) {
      s.close(`no media for ${SILENCE_MS / 1000} s`);
    }
    this.clock.prune(t);
    this.#render(ahead);
  }

  /**
   * Keeps latency low: the sawtooth of fragment arrivals makes "ahead" jump, so steer on its minimum over the
   * last AHEAD_WINDOW_MS (what is left just before the next fragment lands). Far behind: jump near the live edge.
   */
  #steer(ahead, now) {
    const v = this.video;
    const minAhead = Math.min(...this.aheadHistory.map((x) => x[1]));
    const excess = minAhead - TARGET_AHEAD;
    let rate = 1;
    if (this.startupMs != null && now - this.aheadHistory[0][0] >= 500) {
      if (minAhead > JUMP) {
        const end = ahead + v.currentTime;
        this.jumps++;
        console.info(`treecast: ${minAhead.toFixed(2)} s behind the live edge: jumping`);
        this.#seek(end - TARGET_AHEAD);
        this.aheadHistory = [];
      } else if (excess > CATCH_UP || (v.playbackRate > 1 && excess > 0.02)) {
        // Proportional (the excess decays with a time constant of about a second), between 1.05x so the tail
        // of a catch-up does not crawl and MAX_RATE.
        rate = Math.round(clamp(1 + excess, 1.05, MAX_RATE) * 100) / 100;
      } else if ((excess < -SLOW_DOWN || (v.playbackRate < 1 && excess < -0.05)) && ahead < TARGET_AHEAD + 0.25) {
        rate = SLOW_RATE;
      }
    }
    if (ahead < 0.1 && rate > 1) rate = 1; // never hurry into a stall
    if (v.playbackRate !== rate) v.playbackRate = rate;
  }

  #countBytes(n) {
    this.bytesReceived += n;
    const now = performance.now();
    const bucket = Math.floor(now / 100);
    const last = this.byteWindow[this.byteWindow.length - 1];
    if (last && last[0] === bucket) last[1] += n;
    else this.byteWindow.push([bucket, n]);
  }

  /** Mbit/s over the last BITRATE_WINDOW_MS of bytes received. */
  bitrateMbps() {
    const from = Math.floor((performance.now() - BITRATE_WINDOW_MS) / 100);
    while (this.byteWindow.length && this.byteWindow[0][0] < from) this.byteWindow.shift();
    const bytes = this.byteWindow.reduce((s, x) => s + x[1], 0);
    return (bytes * 8) / (BITRATE_WINDOW_MS / 1000) / 1e6;
  }

  latencyMs() {
    if (this.startupMs == null) return null;
    const wall = this.clock.wallAt(this.video.currentTime);
    return wall == null ? null : Math.round(Date.now() - wall);
  }

  // -------------------------------------------------------------- UI

  #setStatus(text) {
    this.status = text;
  }

  #setError(text) {
    this.error = text;
    console.warn(`treecast: ${text}`);
    this.ui.error.textContent = text;
    this.ui.error.hidden = false;
  }

  #clearError() {
    this.error = null;
    this.ui.error.hidden = true;
  }

  #renderMute() {
    this.ui.unmute.hidden = !this.video.muted || this.startupMs == null;
  }

  #render(ahead) {
    const u = this.ui;
    const latency = this.latencyMs();
    u.latency.textContent = latency == null ? '–' : `${latency} ms`;
    u.latency.className = latency == null ? '' : latency < 1000 ? 'good' : latency < 2000 ? 'fair' : 'bad';
    u.bitrate.textContent = `${this.bitrateMbps().toFixed(2)} Mbit/s`;
    u.relay.textContent = this.session?.relay ?? (this.edge?.node || '–');
    u.url.textContent = withoutToken(this.session?.url ?? this.edge?.url) ?? '–';
    const stallNow = this.stallSince != null ? performance.now() - this.stallSince : 0;
    u.stalls.textContent = `${this.stalls} (${((this.stallMs + stallNow) / 1000).toFixed(1)} s)`;
    if (u.signed) {
      const rejected = this.rejectedObjects > 0 ? ` · ${this.rejectedObjects} rejected` : '';
      u.signed.textContent = this.verifier ? `checked${rejected}` : this.verifier === false ? 'not checked (no key)' : '–';
      u.signed.className = this.rejectedObjects > 0 ? 'bad' : this.verifier ? 'good' : '';
    }
    u.buffer.textContent = `${ahead.toFixed(2)} s${this.video.playbackRate !== 1 ? ` · ${this.video.playbackRate}x` : ''}`;
    u.state.textContent = this.startupMs == null ? this.status : this.stallSince != null ? 'stalled' : this.video.paused ? 'paused' : 'playing';
    this.#renderMute();
  }

  // -------------------------------------------------------------- stats for tests and debugging

  stats() {
    const v = this.video;
    const ahead = aheadOf(v.buffered, v.currentTime);
    return {
      broadcast: this.broadcast,
      currentTime: v.currentTime,
      latencyMs: this.latencyMs(),
      stalls: this.stalls,
      stallMs: Math.round(this.stallMs + (this.stallSince != null ? performance.now() - this.stallSince : 0)),
      bytesReceived: this.bytesReceived,
      objectsReceived: this.objectsReceived,
      objectsDropped: this.objectsDropped,
      dropReasons: { ...this.dropReasons },
      groupsDropped: this.groupsDropped,
      rejectedObjects: this.rejectedObjects,
      rejected: this.rejected.map((r) => ({ ...r })),
      verifying: !!this.verifier,
      relay: this.session?.relay ?? null,
      url: withoutToken(this.session?.url ?? this.edge?.url) ?? null,
      token: !!tokenOf(this.session?.url ?? this.edge?.url ?? ''),
      playing: this.startupMs != null && !v.paused && !v.ended && this.stallSince == null && v.readyState >= 3,
      buffered: Math.round(ahead * 1000) / 1000,
      catalog: this.catalog ? this.catalog.tracks.map((t) => t.name) : [],
      startupMs: this.startupMs,
      ttffReport: this.ttffReport,
      bitrateMbps: Math.round(this.bitrateMbps() * 1000) / 1000,
      playbackRate: v.playbackRate,
      jumps: this.jumps,
      bufferedRanges: rangesToString(v.buffered),
      status: this.status,
      error: this.error,
    };
  }
}

// ------------------------------------------------------------------------------------------------ boot

const $ = (id) => document.getElementById(id);
const video = $('video');
const player = new Player(video, {
  broadcast: $('broadcast'),
  latency: $('latency'),
  bitrate: $('bitrate'),
  relay: $('relay'),
  url: $('url'),
  stalls: $('stalls'),
  signed: $('signed'),
  buffer: $('buffer'),
  state: $('state'),
  error: $('error'),
  unmute: $('unmute'),
});
$('unmute').addEventListener('click', () => {
  video.muted = false;
  video.play().catch(() => {});
});
video.addEventListener('click', () => {
  if (video.paused) video.play().catch(() => {});
});

window.treecast = { stats: () => player.stats(), player };

if (typeof MediaSource !== 'function') {
  $('error').textContent = 'this browser has no Media Source Extensions: it cannot play live video here';
  $('error').hidden = false;
} else {
  player.run().catch((e) => {
    console.error(e);
    $('error').textContent = `the player stopped: ${errorText(e)}`;
    $('error').hidden = false;
  });
}
