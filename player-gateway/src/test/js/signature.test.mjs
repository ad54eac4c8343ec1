// Unit tests of the player's signature check (src/main/resources/player/signature.js) against what the Java side
// makes: the signing input of ObjectSignatureTest byte for byte, and a signature the Java Signer made with the
// RFC 8032 §7.1 TEST 1 key. Node's WebCrypto has Ed25519, as Chromium's does.
//
// Run: node --test   (in this folder; no browser, no dependencies)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signingInput, ObjectVerifier } from '../../main/resources/player/signature.js';
import { GroupParser } from '../../main/resources/player/treecast.js';

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const bin = (h) => new Uint8Array(Buffer.from(h, 'hex'));

const RFC8032_PUBLIC = bin('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const GROUP = 1795316932253;
const TIMESTAMP = 1795316932253123;
/** What ObjectSignature.Signer makes for object 4 of that group of live/final#video, payload "hello". */
const SIGNATURE = bin('452b9428e67b0d25d3cf4c36d10f52f33509f55ca351dc89a5f45a93996cb92e'
  + 'db1092da09ab77c69a13360907af0b2959bc1b4e9b57930488f59480c3f2dd0f');
const HELLO = new TextEncoder().encode('hello');

test('the signing input is the bytes ObjectSignature.signingInput makes', async () => {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', HELLO));
  assert.equal(hex(signingInput('live/final', 'video', GROUP, 4, TIMESTAMP, digest)),
    '74726565636173742f31206f626a656374' + '0a6c6976652f66696e616c' + '05766964656f'
    + 'c00001a2013a5e9d' + '04' + 'c00660d4cc0195c3'
    + '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  assert.equal(hex(signingInput('b', 't', 0, 63, 64, new Uint8Array(32))),
    '74726565636173742f31206f626a656374' + '0162' + '0174' + '00' + '3f' + '4040' + '00'.repeat(32));
  assert.throws(() => signingInput('b', 't', 0, 0, 0, new Uint8Array(31)), RangeError);
});

test('a signature made by the Java signer verifies; any change to the object is rejected', async () => {
  const verifier = await ObjectVerifier.create(RFC8032_PUBLIC);
  const object = { sequence: 4, timestampMicros: TIMESTAMP, signature: SIGNATURE, payload: HELLO };
  assert.equal(await verifier.check('live/final', 'video', GROUP, object), null);

  const altered = HELLO.slice();
  altered[2] ^= 0x01;
  assert.equal(await verifier.check('live/final', 'video', GROUP, { ...object, payload: altered }), 'invalid');
  assert.equal(await verifier.check('live/final', 'audio', GROUP, object), 'invalid');
  assert.equal(await verifier.check('live/final', 'video', GROUP + 1, object), 'invalid');
  assert.equal(await verifier.check('live/final', 'video', GROUP, { ...object, sequence: 5 }), 'invalid');
  assert.equal(await verifier.check('live/final', 'video', GROUP, { ...object, timestampMicros: TIMESTAMP + 1 }),
    'invalid');
  for (const bit of [0, 7, 255, 256, 511]) {
    const signature = SIGNATURE.slice();
    signature[bit >> 3] ^= 1 << (bit & 7);
    assert.equal(await verifier.check('live/final', 'video', GROUP, { ...object, signature }), 'invalid', `bit ${bit}`);
  }
  assert.equal(await verifier.check('live/final', 'video', GROUP, { ...object, signature: new Uint8Array(0) }),
    'unsigned');
  assert.equal(await verifier.check('live/final', 'video', GROUP, { ...object, signature: SIGNATURE.slice(1) }),
    'malformed');
});

test('objects straight from the group parser verify (views into a larger chunk)', async () => {
  // Group stream: 0x01 | subscription 0 | group | priority 1, then the object: sequence 4 | timestamp |
  // signature length 64 | payload length 5 | signature | "hello", followed by a byte of the next object.
  const stream = bin('0100c00001a2013a5e9d01' + '04c00660d4cc0195c3' + '4040' + '05' + hex(SIGNATURE)
    + hex(HELLO) + '05');
  const events = new GroupParser().push(stream);
  const object = events.find((e) => e.object).object;
  const verifier = await ObjectVerifier.create(RFC8032_PUBLIC);
  assert.equal(await verifier.check('live/final', 'video', GROUP, object), null);
});

test('a key that is not 32 bytes is refused', async () => {
  await assert.rejects(ObjectVerifier.create(RFC8032_PUBLIC.slice(1)), /32 bytes/);
});
