// Object signatures (protocol/src/main/java/dev/treecast/protocol/data/ObjectSignature.java): the ingest signs
// every object with Ed25519 (RFC 8032) over a fixed encoding of its names, numbers and payload digest, and the
// player checks it with WebCrypto before it appends the object. The signing input, byte for byte:
//
//   "treecast/1 object"      17 ASCII bytes (domain separation)
//   broadcast                varint byte length | UTF-8
//   track                    varint byte length | UTF-8
//   group                    varint (RFC 9000 §16, shortest form)
//   object sequence          varint
//   ingest timestamp (µs)    varint
//   SHA-256(payload)         32 bytes

import { Writer } from './treecast.js';

export const DOMAIN = 'treecast/1 object';
export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

const DOMAIN_BYTES = new TextEncoder().encode(DOMAIN);

/** The exact bytes the ingest signed for an object (`payloadSha256`: 32 bytes). */
export function signingInput(broadcast, track, group, sequence, timestampMicros, payloadSha256) {
  if (payloadSha256.length !== 32) throw new RangeError(`a SHA-256 digest is 32 bytes, not ${payloadSha256.length}`);
  return new Writer(128)
    .bytesOf(DOMAIN_BYTES)
    .string(broadcast)
    .string(track)
    .varint(group)
    .varint(sequence)
    .varint(timestampMicros)
    .bytesOf(payloadSha256)
    .finish();
}

/**
 * Checks objects against the ingest's public key (32 raw bytes). `check()` resolves to null for a good object,
 * else to why it fails: `unsigned`, `malformed` (not a 64-byte signature) or `invalid` (altered, forged, or
 * signed with another key) — the same words the relays count under.
 */
export class ObjectVerifier {
  constructor(key, keyBytes, subtle) {
    this.key = key;
    this.keyBytes = keyBytes;
    this.subtle = subtle;
  }

  /** Imports the key; rejects when this browser's WebCrypto has no Ed25519. */
  static async create(publicKey, subtle = globalThis.crypto?.subtle) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) {
      throw new Error(`a broadcast key is ${PUBLIC_KEY_LENGTH} bytes`);
    }
    if (!subtle) throw new Error('this page has no WebCrypto (it needs a secure context)');
    let key;
    try {
      key = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      throw new Error(`this browser cannot check Ed25519 signatures (${e && e.message ? e.message : e})`);
    }
    return new ObjectVerifier(key, publicKey, subtle);
  }

  /** `object`: `{sequence, timestampMicros, signature, payload}` as the group parser emits it. */
  async check(broadcast, track, group, object) {
    const signature = object.signature;
    if (!signature || signature.length === 0) return 'unsigned';
    if (signature.length !== SIGNATURE_LENGTH) return 'malformed';
    const digest = new Uint8Array(await this.subtle.digest('SHA-256', object.payload));
    const input = signingInput(broadcast, track, group, object.sequence, object.timestampMicros, digest);
    let ok;
    try {
      ok = await this.subtle.verify({ name: 'Ed25519' }, this.key, signature, input);
    } catch (_) {
      ok = false;
    }
    return ok ? null : 'invalid';
  }
}
