// treecast/1 over WebTransport: the wire format and a viewer session. No media knowledge here.
//
// Wire format (protocol/src/main/java/dev/treecast/protocol/**):
//   - Integers are QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the
//     length (1, 2, 4 or 8 bytes), the rest is the value, big-endian; at most 2^62-1.
//   - Strings: varint byte length, then UTF-8.
//   - Control stream = the first bidirectional stream the client opens. Each message is
//     `type varint | payload length varint | payload`.
//   - Group streams: unidirectional streams the server opens, one per (subscription, group):
//     `0x01 | subscription id | group | priority`, then objects
//     `sequence | ingest timestamp µs | signature length | payload length | signature | payload` until FIN.
//     A reset stream means the group was dropped (e.g. TOO_SLOW).
//
// Numbers are JavaScript Numbers: exact up to 2^53 (group numbers are ~1.7e12 = milliseconds since the epoch,
// timestamps ~1.7e15 µs), so no BigInt is needed on the hot path.

export const VERSION = 1;

export const MessageType = Object.freeze({
  SETUP: 0x01,
  SETUP_OK: 0x02,
  SUBSCRIBE: 0x03,
  SUBSCRIBE_OK: 0x04,
  SUBSCRIBE_ERROR: 0x05,
  UNSUBSCRIBE: 0x06,
  ANNOUNCE: 0x07,
  HEARTBEAT: 0x10,
  BACKUPS: 0x11,
  MOVE: 0x12,
  GOAWAY: 0x13,
  ERROR: 0x1f,
});

/** The hard payload limits of protocol/.../MessageType.java: a longer message is a protocol error. */
const MAX_PAYLOAD = new Map([
  [0x01, 1200], [0x02, 1024], [0x03, 1024], [0x04, 64], [0x05, 1200], [0x06, 16], [0x07, 512],
  [0x10, 64], [0x11, 8192], [0x12, 512], [0x13, 512], [0x1f, 1200],
]);

/** Wire error codes (protocol/.../ErrorCode.java). */
export const ErrorCode = Object.freeze({
  0x0: 'no error',
  0x1: 'internal error',
  0x2: 'protocol violation',
  0x3: 'malformed message',
  0x4: 'message too large',
  0x5: 'unknown message type',
  0x6: 'unsupported version',
  0x7: 'track not found',
  0x8: 'duplicate subscription id',
  0x9: 'limit exceeded',
  0xa: 'unauthorized',
  0xb: 'going away',
  0xc: 'too slow: group dropped',
  0xd: 'stream ended inside a message',
  0xe: 'timeout',
  0xf: 'cancelled',
  0x10: 'upstream lost',
  0x11: 'a parent must rank below its child',
  0x12: 'this node is not the tree controller',
  0x13: 'access token expired',
  0x14: 'forbidden by the access token\'s scope',
});
export const NOT_FOUND = 0x7;
export const TOO_SLOW = 0xc;

export function describeError(code) {
  return ErrorCode[code] ?? `error 0x${Number(code).toString(16)}`;
}

/** The largest object payload accepted (ObjectFrame.DEFAULT_MAX_PAYLOAD); a signature is at most 128 bytes. */
export const MAX_OBJECT_PAYLOAD = 16 * 1024 * 1024;
const MAX_SIGNATURE = 128;

export class ProtocolError extends Error {
  constructor(message, code = 0x3) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

// ------------------------------------------------------------------------------------------------ encoding

const TWO_POW_32 = 0x1_0000_0000;
const VARINT_MAX = 2 ** 62 - 1;

/** Bytes needed for `value` as a varint (RFC 9000 §16, shortest form). */
export function varintLength(value) {
  if (!Number.isInteger(value) || value < 0 || value > VARINT_MAX) {
    throw new RangeError(`varint out of range: ${value}`);
  }
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x4000_0000) return 4;
  return 8;
}

/** A growable byte sink for encoding messages. */
export class Writer {
  constructor(capacity = 64) {
    this.bytes = new Uint8Array(capacity);
    this.length = 0;
  }

  #ensure(n) {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  varint(value) {
    const n = varintLength(value);
    this.#ensure(n);
    const b = this.bytes;
    let i = this.length;
    if (n === 1) {
      b[i] = value;
    } else if (n === 2) {
      b[i] = 0x40 | (value >>> 8);
      b[i + 1] = value & 0xff;
    } else if (n === 4) {
      b[i] = 0x80 | (value >>> 24);
      b[i + 1] = (value >>> 16) & 0xff;
      b[i + 2] = (value >>> 8) & 0xff;
      b[i + 3] = value & 0xff;
    } else {
      const hi = Math.floor(value / TWO_POW_32);
      const lo = value % TWO_POW_32;
      b[i] = 0xc0 | (hi >>> 24);
      b[i + 1] = (hi >>> 16) & 0xff;
      b[i + 2] = (hi >>> 8) & 0xff;
      b[i + 3] = hi & 0xff;
      b[i + 4] = lo >>> 24;
      b[i + 5] = (lo >>> 16) & 0xff;
      b[i + 6] = (lo >>> 8) & 0xff;
      b[i + 7] = lo & 0xff;
    }
    this.length += n;
    return this;
  }

  bytesOf(array) {
    this.#ensure(array.length);
    this.bytes.set(array, this.length);
    this.length += array.length;
    return this;
  }

  string(value) {
    const utf8 = new TextEncoder().encode(value);
    return this.varint(utf8.length).bytesOf(utf8);
  }

  finish() {
    return this.bytes.slice(0, this.length);
  }
}

/** One control message: `type | payload length | payload`. */
export function encodeMessage(type, writePayload) {
  const payload = new Writer();
  writePayload(payload);
  const max = MAX_PAYLOAD.get(type);
  if (payload.length > max) {
    throw new RangeError(`message 0x${type.toString(16)} of ${payload.length} bytes exceeds ${max}`);
  }
  return new Writer(payload.length + 16).varint(type).varint(payload.length).bytesOf(payload.finish()).finish();
}

export function encodeSetup(nodeId, role = 0, token = '') {
  // version | role | node id | rank (a viewer has no place in the relay tree: 0) | access token ('' for none: the
  // player puts its token on the CONNECT URL, which the gateway checks before the session exists)
  return encodeMessage(MessageType.SETUP, (w) => w.varint(VERSION).varint(role).string(nodeId).varint(0).string(token));
}

/** `start`: null = latest (the newest group's first object), or {group, object}. */
export function encodeSubscribe(id, broadcast, track, priority, start = null) {
  return encodeMessage(MessageType.SUBSCRIBE, (w) => {
    w.varint(id).string(broadcast).string(track);
    if (start == null) {
      w.varint(0);
    } else {
      w.varint(1).varint(start.group).varint(start.object);
    }
    w.varint(priority);
  });
}

export function encodeUnsubscribe(id) {
  return encodeMessage(MessageType.UNSUBSCRIBE, (w) => w.varint(id));
}

export function encodeHeartbeat(sequence, subtreeRelays = 0, subtreeViewers = 0) {
  return encodeMessage(MessageType.HEARTBEAT, (w) => w.varint(sequence).varint(subtreeRelays).varint(subtreeViewers));
}

// ------------------------------------------------------------------------------------------------ decoding

/**
 * Bytes received in chunks of any size, read across chunk boundaries. `peekVarint(i)` and `take(n)` never
 * consume a partial value, so a parser can stop at any point and resume when the next chunk arrives.
 */
export class ByteQueue {
  constructor() {
    this.chunks = [];
    this.offset = 0; // read position inside chunks[0]
    this.available = 0;
  }

  push(chunk) {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.available += chunk.length;
    }
  }

  /** The byte at `index` bytes past the read position (must be available). */
  byteAt(index) {
    let i = this.offset + index;
    for (const c of this.chunks) {
      if (i < c.length) return c[i];
      i -= c.length;
    }
    throw new RangeError('byteAt past the end');
  }

  /**
   * The varint starting `index` bytes past the read position, without consuming it:
   * `{value, length}`, or null if it is not complete yet.
   */
  peekVarint(index = 0) {
    if (this.available <= index) return null;
    const first = this.byteAt(index);
    const length = 1 << (first >>> 6);
    if (this.available < index + length) return null;
    let value = first & 0x3f;
    for (let k = 1; k < length; k++) {
      value = value * 256 + this.byteAt(index + k); // Number math: exact below 2^53
    }
    return { value, length };
  }

  /** Peeks `count` varints in a row: `{values, length}` or null if any is incomplete. */
  peekVarints(count, index = 0) {
    const values = new Array(count);
    let at = index;
    for (let k = 0; k < count; k++) {
      const v = this.peekVarint(at);
      if (v == null) return null;
      values[k] = v.value;
      at += v.length;
    }
    return { values, length: at - index };
  }

  skip(n) {
    if (n > this.available) throw new RangeError('skip past the end');
    this.available -= n;
    while (n > 0) {
      const head = this.chunks[0];
      const left = head.length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.offset = 0;
    }
  }

  /** Consumes `n` bytes into one array (a view of the chunk when they lie in one chunk, else a copy). */
  take(n) {
    if (n > this.available) throw new RangeError('take past the end');
    if (n === 0) return new Uint8Array(0);
    const head = this.chunks[0];
    if (head.length - this.offset >= n) {
      const out = head.subarray(this.offset, this.offset + n);
      this.skip(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const part = Math.min(c.length - this.offset, n - filled);
      out.set(c.subarray(this.offset, this.offset + part), filled);
      filled += part;
      this.skip(part);
    }
    return out;
  }
}

/** Reads fields of one complete payload. */
class PayloadReader {
  constructor(bytes, what) {
    this.bytes = bytes;
    this.pos = 0;
    this.what = what;
  }

  varint(field) {
    const b = this.bytes;
    if (this.pos >= b.length) throw new ProtocolError(`truncated ${this.what} ${field}`);
    const length = 1 << (b[this.pos] >>> 6);
    if (this.pos + length > b.length) throw new ProtocolError(`truncated ${this.what} ${field}`);
    let value = b[this.pos] & 0x3f;
    for (let k = 1; k < length; k++) value = value * 256 + b[this.pos + k];
    this.pos += length;
    return value;
  }

  string(field, max = 1024) {
    const length = this.varint(field + ' length');
    if (length > max || this.pos + length > this.bytes.length) {
      throw new ProtocolError(`bad ${this.what} ${field} length ${length}`);
    }
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return s;
  }

  end() {
    if (this.pos !== this.bytes.length) {
      throw new ProtocolError(`${this.what} has ${this.bytes.length - this.pos} unexpected trailing bytes`);
    }
  }
}

// ------------------------------------------------------------------------------------------------ access tokens

/** The query parameter of the CONNECT URL that carries the viewer's token (Gateway.TOKEN_PARAMETER). */
export const TOKEN_PARAMETER = 'token';

/**
 * The claims of an access token `tc1.<base64url(claims)>.<base64url(signature)>` (protocol/.../AccessToken.java):
 * `{role: 'viewer'|'relay', expires (epoch s), broadcast, region, id}`, or null when it is not one. The signature is
 * not checked here (the player has no operator key): this only lets the player say why a relay refused it.
 */
export function tokenClaims(token) {
  if (typeof token !== 'string' || !token.startsWith('tc1.')) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    if (bytes[0] !== 0x01) return null;
    const r = new PayloadReader(bytes.subarray(1), 'token');
    const role = r.varint('role');
    const claims = {
      role: role === 0 ? 'viewer' : role === 1 ? 'relay' : null,
      expires: r.varint('expires'),
      broadcast: r.string('broadcast', 256),
      region: r.string('region', 64),
      id: r.string('id', 64),
    };
    r.end();
    return claims.role ? claims : null;
  } catch (_) {
    return null;
  }
}

/**
 * Why a relay would refuse `token` for `broadcast` at `nowSeconds`, as far as the player can tell without the operator
 * key (a forged or altered token only the relay can tell): a sentence, or null when it looks fine.
 */
export function tokenProblem(token, broadcast, nowSeconds = Date.now() / 1000) {
  if (!token) return 'no viewer token (this fleet may require one: open the page the operator gave you, with ?token=...)';
  const claims = tokenClaims(token);
  if (!claims) return 'the viewer token is not a Treecast token';
  if (claims.role !== 'viewer') return 'the token is a relay token, not a viewer token';
  if (nowSeconds >= claims.expires) {
    return `the viewer token expired at ${new Date(claims.expires * 1000).toLocaleString()}: reload the page for a new one`;
  }
  if (claims.broadcast !== broadcast) return `the viewer token is for '${claims.broadcast}', not '${broadcast}'`;
  return null;
}

/** `url` with `token` as its token parameter (replacing one it had); `url` unchanged without a token. */
export function withToken(url, token) {
  if (!token) return url;
  const u = new URL(url);
  u.searchParams.set(TOKEN_PARAMETER, token);
  return u.toString();
}

/** The token on `url`, or null. */
export function tokenOf(url) {
  try {
    return new URL(url).searchParams.get(TOKEN_PARAMETER);
  } catch (_) {
    return null;
  }
}

/** `url` without its token, for showing: a token is a credential. */
export function withoutToken(url) {
  if (!url) return url;
  try {
    const u = new URL(url);
    if (!u.searchParams.has(TOKEN_PARAMETER)) return url;
    u.searchParams.delete(TOKEN_PARAMETER);
    return u.toString();
  } catch (_) {
    return url;
  }
}

/** Decodes the payload of a control message into a plain object `{type, name, ...fields}`. */
export function decodePayload(type, payload) {
  const names = {
    0x01: 'SETUP', 0x02: 'SETUP_OK', 0x03: 'SUBSCRIBE', 0x04: 'SUBSCRIBE_OK', 0x05: 'SUBSCRIBE_ERROR',
    0x06: 'UNSUBSCRIBE', 0x07: 'ANNOUNCE', 0x10: 'HEARTBEAT', 0x11: 'BACKUPS', 0x12: 'MOVE', 0x13: 'GOAWAY',
    0x1f: 'ERROR',
  };
  const r = new PayloadReader(payload, names[type]);
  let m;
  switch (type) {
    case MessageType.SETUP:
      m = {
        version: r.varint('version'), role: r.varint('role'), nodeId: r.string('node id', 128), rank: r.varint('rank'),
        token: r.string('token', 1024),
      };
      break;
    case MessageType.SETUP_OK:
      m = { version: r.varint('version'), nodeId: r.string('node id', 128) };
      break;
    case MessageType.SUBSCRIBE: {
      m = { id: r.varint('id'), broadcast: r.string('broadcast', 256), track: r.string('track', 128) };
      const kind = r.varint('start');
      m.start = kind === 0 ? null : { group: r.varint('start group'), object: r.varint('start object') };
      m.priority = r.varint('priority');
      break;
    }
    case MessageType.SUBSCRIBE_OK: {
      const id = r.varint('id');
      const latest = r.varint('latest group');
      m = { id, latestGroup: latest === 0 ? null : latest - 1 };
      break;
    }
    case MessageType.SUBSCRIBE_ERROR:
      m = { id: r.varint('id'), code: r.varint('code'), reason: r.string('reason', 1024) };
      break;
    case MessageType.UNSUBSCRIBE:
      m = { id: r.varint('id') };
      break;
    case MessageType.ANNOUNCE: {
      const broadcast = r.string('broadcast', 256);
      m = { broadcast, live: r.varint('status') === 1 };
      break;
    }
    case MessageType.HEARTBEAT:
      m = { sequence: r.varint('sequence'), subtreeRelays: r.varint('relays'), subtreeViewers: r.varint('viewers') };
      break;
    case MessageType.BACKUPS: {
      const count = r.varint('count');
      if (count > 16) throw new ProtocolError(`BACKUPS lists ${count} candidates, the limit is 16`, 0x3);
      const candidates = [];
      for (let k = 0; k < count; k++) {
        candidates.push({ nodeId: r.string('node id', 128), address: r.string('address', 256), rank: r.varint('rank') });
      }
      m = { candidates };
      break;
    }
    case MessageType.MOVE:
      m = { parentId: r.string('parent id', 128), address: r.string('address', 256) };
      break;
    case MessageType.GOAWAY:
      m = { address: r.string('address', 256) };
      break;
    case MessageType.ERROR:
      m = { code: r.varint('code'), reason: r.string('reason', 1024) };
      break;
    default:
      throw new ProtocolError(`unknown control message type 0x${type.toString(16)}`, 0x5);
  }
  r.end();
  m.type = type;
  m.name = names[type];
  return m;
}

/** Incremental control stream parser: `push(chunk)` returns the complete messages decoded so far. */
export class ControlParser {
  constructor() {
    this.queue = new ByteQueue();
  }

  push(chunk) {
    this.queue.push(chunk);
    const out = [];
    for (;;) {
      const head = this.queue.peekVarints(2);
      if (head == null) return out;
      const [type, length] = head.values;
      const max = MAX_PAYLOAD.get(type);
      if (max === undefined) throw new ProtocolError(`unknown control message type 0x${type.toString(16)}`, 0x5);
      if (length > max) throw new ProtocolError(`message 0x${type.toString(16)} of ${length} bytes exceeds ${max}`, 0x4);
      if (this.queue.available < head.length + length) return out;
      this.queue.skip(head.length);
      out.push(decodePayload(type, this.queue.take(length)));
    }
  }
}

/**
 * Incremental group stream parser. `push(chunk)` returns events: `{header: {subscriptionId, group, priority}}`
 * once, then `{object: {sequence, timestampMicros, signature, payload, wireLength}}` per complete object.
 * `finish()` checks that the stream ended between objects.
 */
export class GroupParser {
  constructor(maxPayload = MAX_OBJECT_PAYLOAD) {
    this.queue = new ByteQueue();
    this.header = null;
    this.pending = null; // {sequence, timestampMicros, sigLength, length, headerLength} of the object being read
    this.lastSequence = -1;
    this.maxPayload = maxPayload;
  }

  push(chunk) {
    const q = this.queue;
    q.push(chunk);
    const out = [];
    for (;;) {
      if (this.header == null) {
        if (q.available > 0 && q.byteAt(0) !== 0x01) {
          throw new ProtocolError(`unknown stream type 0x${q.byteAt(0).toString(16)}`, 0x5);
        }
        const h = q.peekVarints(4);
        if (h == null) return out;
        const [type, subscriptionId, group, priority] = h.values;
        if (type !== 0x01) throw new ProtocolError(`unknown stream type 0x${type.toString(16)}`, 0x5);
        if (priority > 255) throw new ProtocolError(`group priority ${priority} exceeds 255`);
        q.skip(h.length);
        this.header = { subscriptionId, group, priority };
        out.push({ header: this.header });
        continue;
      }
      if (this.pending == null) {
        const h = q.peekVarints(4);
        if (h == null) return out;
        const [sequence, timestampMicros, sigLength, length] = h.values;
        if (sigLength > MAX_SIGNATURE) throw new ProtocolError(`object signature of ${sigLength} bytes`, 0x4);
        if (length > this.maxPayload) throw new ProtocolError(`object payload of ${length} bytes`, 0x4);
        if (sequence <= this.lastSequence) {
          throw new ProtocolError(`object ${sequence} after ${this.lastSequence} in group ${this.header.group}`, 0x2);
        }
        this.lastSequence = sequence;
        q.skip(h.length);
        this.pending = { sequence, timestampMicros, sigLength, length, headerLength: h.length };
        continue;
      }
      const p = this.pending;
      if (q.available < p.sigLength + p.length) return out;
      const signature = q.take(p.sigLength);
      const payload = q.take(p.length);
      this.pending = null;
      out.push({
        object: {
          sequence: p.sequence,
          timestampMicros: p.timestampMicros,
          signature,
          payload,
          wireLength: p.headerLength + p.sigLength + p.length,
        },
      });
    }
  }

  /** The stream's FIN arrived: throws if it ended inside the header or an object. */
  finish() {
    if (this.header == null || this.pending != null || this.queue.available > 0) {
      const where = this.header == null ? 'the group header' : `object ${this.lastSequence + 1} of group ${this.header.group}`;
      throw new ProtocolError(`group stream ended inside ${where}`, 0xd);
    }
  }
}

// ------------------------------------------------------------------------------------------------ session

/** Hex (64 characters for SHA-256) to bytes. */
export function hexToBytes(hex) {
  const clean = String(hex).replace(/[^0-9a-fA-F]/g, '');
  if (clean.length % 2 !== 0 || clean.length === 0) throw new Error(`not a hex string: '${hex}'`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** A WebTransport stream error's application code, when the browser exposes it. */
function streamErrorCode(e) {
  if (e && typeof e.streamErrorCode === 'number') return e.streamErrorCode;
  return null;
}

const HEARTBEAT_MS = 2000;

/**
 * A viewer's treecast/1 session over WebTransport. Usage:
 *
 *   const s = await TreecastSession.connect(url, {certificateSha256, nodeId});  // SETUP / SETUP_OK done
 *   const sub = s.subscribe(broadcast, track, priority, {onObject, onGroupEnd, onError, onOk});
 *   s.closed.then(({reason}) => ...);
 *
 * Callbacks: `onObject(object, group)` for each object in stream order within a group (groups may interleave,
 * they come on concurrent streams), `onGroupEnd(group, {reset, code})` when a group stream ended (FIN or reset),
 * `onOk({latestGroup})`, `onError({code, reason})` when the subscription was refused or ended.
 *
 * With a `verifier` (signature.js), every object's signature is checked before `onObject`, in stream order: one
 * that fails goes to `onRejected(object, group, reason)` instead and is never handed on.
 */
export class TreecastSession {
  /** @param {WebTransport} transport */
  constructor(transport, url) {
    this.transport = transport;
    this.url = url;
    this.relay = null; // node id from SETUP_OK
    this.subscriptions = new Map();
    this.nextId = 0;
    this.bytesReceived = 0;
    this.objectsReceived = 0;
    this.objectsRejected = 0;
    this.verifier = null; // an ObjectVerifier, or null: objects are handed on unchecked
    this.groupsReset = 0;
    this.announced = new Map();
    this.onAnnounce = null;
    this.onBytes = null; // (n) => void, for bitrate accounting
    this.isClosed = false;
    this.closeReason = null;
    this.serverError = null; // an ERROR message from the relay
    this.goaway = null;
    this.heartbeatSeq = 0;
    this.heartbeatTimer = null;
    this.writer = null;
    this.setupOk = null;
    let resolveClosed;
    this.closed = new Promise((r) => (resolveClosed = r));
    this.resolveClosed = resolveClosed;
  }

  /**
   * Opens the WebTransport session and the control stream and completes SETUP. Rejects with an Error whose
   * message is readable by people.
   */
  static async connect(url, { certificateSha256 = null, nodeId = 'browser', timeoutMs = 10000, verifier = null } = {}) {
    if (typeof WebTransport !== 'function') {
      throw new Error('this browser has no WebTransport (it needs a secure context: https:// or http://localhost)');
    }
    const options = {};
    if (certificateSha256) {
      options.serverCertificateHashes = [{ algorithm: 'sha-256', value: hexToBytes(certificateSha256) }];
    }
    let transport;
    try {
      transport = new WebTransport(url, options);
    } catch (e) {
      throw new Error(`bad relay address ${url}: ${e.message}`);
    }
    // Keep `closed` from becoming an unhandled rejection before the session adopts it.
    transport.closed.catch(() => {});
    const session = new TreecastSession(transport, url);
    session.verifier = verifier;
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      await Promise.race([transport.ready, timeout]);
      await Promise.race([session.#start(nodeId), timeout]);
    } catch (e) {
      try {
        transport.close({ closeCode: 0, reason: 'setup failed' });
      } catch (_) { /* already closed */ }
      session.#closed(e.message);
      throw new Error(e && e.message ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
    return session;
  }

  async #start(nodeId) {
    const bidi = await this.transport.createBidirectionalStream();
    this.writer = bidi.writable.getWriter();
    const setupOk = new Promise((resolve, reject) => {
      this.resolveSetup = resolve;
      this.rejectSetup = reject;
    });
    this.#readControl(bidi.readable);
    this.#acceptGroups();
    this.transport.closed.then(
      (info) => this.#closed(this.serverError ? this.#serverErrorText() : `relay closed the session${info && info.reason ? ': ' + info.reason : ''}`),
      (e) => this.#closed(this.serverError ? this.#serverErrorText() : `connection lost: ${e && e.message ? e.message : e}`),
    );
    await this.#send(encodeSetup(nodeId));
    const ok = await setupOk;
    if (ok.version !== VERSION) throw new Error(`relay speaks treecast/${ok.version}, this player treecast/${VERSION}`);
    this.relay = ok.nodeId;
    this.heartbeatTimer = setInterval(() => {
      this.#send(encodeHeartbeat(++this.heartbeatSeq)).catch(() => {});
    }, HEARTBEAT_MS);
  }

  #serverErrorText() {
    return `relay ended the session: ${this.serverError.reason || describeError(this.serverError.code)} (${describeError(this.serverError.code)})`;
  }

  async #send(bytes) {
    if (this.isClosed || !this.writer) throw new Error('session is closed');
    await this.writer.write(bytes);
  }

  async #readControl(readable) {
    const reader = readable.getReader();
    const parser = new ControlParser();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#count(value.length);
        for (const m of parser.push(value)) this.#onControl(m);
      }
      if (!this.isClosed) this.#fail('the relay closed the control stream');
    } catch (e) {
      if (e instanceof ProtocolError) {
        this.#fail(`protocol error on the control stream: ${e.message}`);
      } else if (!this.isClosed) {
        this.#fail(this.serverError ? this.#serverErrorText() : `control stream failed: ${e && e.message ? e.message : e}`);
      }
    }
  }

  #onControl(m) {
    switch (m.type) {
      case MessageType.SETUP_OK:
        if (this.resolveSetup) {
          this.resolveSetup(m);
          this.resolveSetup = null;
        }
        break;
      case MessageType.SUBSCRIBE_OK: {
        const sub = this.subscriptions.get(m.id);
        if (sub) sub.callbacks.onOk?.({ latestGroup: m.latestGroup });
        break;
      }
      case MessageType.SUBSCRIBE_ERROR: {
        const sub = this.subscriptions.get(m.id);
        if (sub) {
          this.subscriptions.delete(m.id);
          sub.active = false;
          sub.callbacks.onError?.({ code: m.code, reason: m.reason || describeError(m.code) });
        }
        break;
      }
      case MessageType.ANNOUNCE:
        this.announced.set(m.broadcast, m.live);
        this.onAnnounce?.(m);
        break;
      case MessageType.ERROR:
        this.serverError = m;
        if (this.rejectSetup) this.rejectSetup(new Error(this.#serverErrorText()));
        break;
      case MessageType.GOAWAY:
        this.goaway = m;
        break;
      default:
        // HEARTBEAT echoes, BACKUPS and MOVE are for relays; a viewer ignores them.
        break;
    }
  }

  async #acceptGroups() {
    const reader = this.transport.incomingUnidirectionalStreams.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        this.#readGroup(value);
      }
    } catch (_) {
      // the session closed: #closed reports why
    }
  }

  async #readGroup(stream) {
    const reader = stream.getReader();
    const parser = new GroupParser();
    let sub = null;
    let group = null;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#count(value.length);
        for (const ev of parser.push(value)) {
          if (ev.header) {
            group = ev.header.group;
            sub = this.subscriptions.get(ev.header.subscriptionId) ?? null;
            if (!sub) {
              // A group of a subscription we ended: stop reading it.
              reader.cancel().catch(() => {});
              return;
            }
          } else if (sub.active) {
            this.objectsReceived++;
            if (this.verifier) {
              // Awaited here, so this stream's objects stay in order (the next chunk is read after the check).
              const why = await this.verifier.check(sub.broadcast, sub.track, group, ev.object);
              if (why) {
                this.objectsRejected++;
                try {
                  sub.callbacks.onRejected?.(ev.object, group, why);
                } catch (e) {
                  console.error('treecast: rejection handler failed', e);
                }
                continue;
              }
              if (!sub.active) continue;
            }
            try {
              sub.callbacks.onObject?.(ev.object, group);
            } catch (e) {
              console.error('treecast: object handler failed', e);
            }
          }
        }
      }
      parser.finish();
    } catch (e) {
      if (e instanceof ProtocolError) {
        console.warn(`treecast: bad group stream: ${e.message}`);
        reader.cancel().catch(() => {});
      }
      this.groupsReset++;
      this.#groupEnded(sub, group, { reset: true, code: streamErrorCode(e) });
      return;
    }
    this.#groupEnded(sub, group, { reset: false, code: 0 });
  }

  #groupEnded(sub, group, how) {
    if (!sub?.active) return;
    try {
      sub.callbacks.onGroupEnd?.(group, how);
    } catch (e) {
      console.error('treecast: group end handler failed', e);
    }
  }

  #count(n) {
    this.bytesReceived += n;
    this.onBytes?.(n);
  }

  /** Subscribes to one track; returns a handle with `unsubscribe()`. */
  subscribe(broadcast, track, priority, callbacks, start = null) {
    const id = this.nextId++;
    const sub = {
      id, broadcast, track, callbacks, active: true,
      unsubscribe: () => {
        if (!sub.active) return;
        sub.active = false;
        this.subscriptions.delete(id);
        this.#send(encodeUnsubscribe(id)).catch(() => {});
      },
    };
    this.subscriptions.set(id, sub);
    this.#send(encodeSubscribe(id, broadcast, track, priority, start)).catch((e) => {
      if (sub.active) {
        sub.active = false;
        this.subscriptions.delete(id);
        callbacks.onError?.({ code: 0x1, reason: `could not send SUBSCRIBE: ${e.message}` });
      }
    });
    return sub;
  }

  #fail(reason) {
    if (this.isClosed) return;
    try {
      this.transport.close({ closeCode: 0, reason: reason.slice(0, 100) });
    } catch (_) { /* already closed */ }
    this.#closed(reason);
  }

  #closed(reason) {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeReason = reason;
    clearInterval(this.heartbeatTimer);
    if (this.rejectSetup) {
      this.rejectSetup(new Error(reason));
      this.rejectSetup = null;
    }
    for (const sub of this.subscriptions.values()) sub.active = false;
    this.subscriptions.clear();
    this.resolveClosed({ reason });
  }

  /** Closes the session from our side. */
  close(reason = 'viewer left') {
    if (this.isClosed) return;
    try {
      this.transport.close({ closeCode: 0, reason });
    } catch (_) { /* already closed */ }
    this.#closed(reason);
  }
}
