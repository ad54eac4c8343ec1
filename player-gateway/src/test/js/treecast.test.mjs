// Unit tests of the player's wire codec (src/main/resources/player/treecast.js) and fMP4 timing parser
// (fmp4.js). The expected bytes were produced by the Java codecs in protocol/ (ControlCodec, GroupHeader,
// ObjectFrame), so the browser and the relays agree byte for byte.
//
// Run: node --test   (in this folder; no browser, no dependencies)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  encodeSetup, encodeSubscribe, encodeHeartbeat, encodeUnsubscribe, ControlParser, GroupParser, ByteQueue,
  ProtocolError, Writer, hexToBytes, MessageType, tokenClaims, tokenProblem, withToken, withoutToken, tokenOf,
} from '../../main/resources/player/treecast.js';
import { parseInit, parseFragment, boxes } from '../../main/resources/player/fmp4.js';

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const bin = (h) => new Uint8Array(Buffer.from(h, 'hex'));

/** Feeds `bytes` to `parser` in pieces of `size` bytes and collects what it emits. */
function feed(parser, bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...parser.push(bytes.slice(i, i + size)));
  return out;
}

test('varints use the shortest form at each length boundary (RFC 9000 §16)', () => {
  const cases = [[0, '00'], [63, '3f'], [64, '4040'], [16383, '7fff'], [16384, '80004000'],
    [2 ** 30 - 1, 'bfffffff'], [2 ** 30, 'c000000040000000'], [1795316932253, 'c00001a2013a5e9d']];
  for (const [value, expected] of cases) {
    assert.equal(hex(new Writer().varint(value).finish()), expected, `varint ${value}`);
    const q = new ByteQueue();
    q.push(bin(expected));
    assert.deepEqual(q.peekVarint(0), { value, length: expected.length / 2 });
  }
  assert.throws(() => new Writer().varint(-1), RangeError);
  assert.throws(() => new Writer().varint(1.5), RangeError);
});

test('client messages encode exactly as the Java ControlCodec does', () => {
  assert.equal(hex(encodeSetup('browser')), '010c01000762726f777365720000');
  assert.equal(hex(encodeSetup('v', 0, 'tc1.x')), '010b0100017600057463312e78');
  assert.equal(hex(encodeSubscribe(3, 'demo', 'video', 1)), '030e030464656d6f05766964656f0001');
  assert.equal(hex(encodeSubscribe(70, 'live/final', 'audio', 200, { group: 1795316932253, object: 4 })),
    '031f40460a6c6976652f66696e616c05617564696f01c00001a2013a5e9d0440c8');
  assert.equal(hex(encodeHeartbeat(7)), '1003070000');
  assert.equal(hex(encodeHeartbeat(100000, 64, 2 ** 40)), '100e800186a04040c000010000000000');
  assert.equal(hex(encodeUnsubscribe(3)), '060103');
});

test('server messages decode, whatever the chunking', () => {
  const stream = bin('020b010972656c61792d322e31' // SETUP_OK 1 relay-2.1
    + '07060464656d6f01' // ANNOUNCE demo live
    + '040903c00001a2013a5e9e' // SUBSCRIBE_OK 3 latest 1795316932253
    + '04020400' // SUBSCRIBE_OK 4 none
    + '051203070f6e6f20747261636b2064656d6f2378' // SUBSCRIBE_ERROR 3 NOT_FOUND
    + '1112010161' + '0d31302e302e302e313a34343334' + '05' // BACKUPS [a 10.0.0.1:4434 rank 5]
    + '130100' // GOAWAY ""
    + '1f150b1372656c6179207368757474696e6720646f776e'); // ERROR GOING_AWAY
  for (const size of [1, 2, 3, 7, stream.length]) {
    const m = feed(new ControlParser(), stream, size);
    assert.equal(m.length, 8, `chunks of ${size}`);
    assert.deepEqual([m[0].name, m[0].version, m[0].nodeId], ['SETUP_OK', 1, 'relay-2.1']);
    assert.deepEqual([m[1].broadcast, m[1].live], ['demo', true]);
    assert.deepEqual([m[2].id, m[2].latestGroup], [3, 1795316932253]);
    assert.deepEqual([m[3].id, m[3].latestGroup], [4, null]);
    assert.deepEqual([m[4].id, m[4].code, m[4].reason], [3, 7, 'no track demo#x']);
    assert.deepEqual(m[5].candidates, [{ nodeId: 'a', address: '10.0.0.1:4434', rank: 5 }]);
    assert.deepEqual([m[6].type, m[6].address], [MessageType.GOAWAY, '']);
    assert.deepEqual([m[7].name, m[7].code, m[7].reason], ['ERROR', 0xb, 'relay shutting down']);
  }
});

test('control stream errors: unknown type, oversize length, trailing bytes', () => {
  assert.throws(() => new ControlParser().push(bin('0900')), (e) => e instanceof ProtocolError && e.code === 0x5);
  assert.throws(() => new ControlParser().push(bin('044041')), ProtocolError); // SUBSCRIBE_OK of 65 > 64 bytes
  assert.throws(() => new ControlParser().push(bin('06020300')), ProtocolError); // UNSUBSCRIBE with a spare byte
});

const GROUP = '0103c00001a2013a5e9d01' // header: sub 3, group 1795316932253, priority 1
  + '00c00660d4cc0195c300030102 03'.replace(/ /g, '') // object 0, ts 1795316932253123, no sig, 3 bytes
  + '01c00660d4cc04a30302406409 09'.replace(/ /g, '') + '00'.repeat(100); // object 1, sig 0909, 100 bytes

test('group streams decode objects across arbitrary chunk boundaries', () => {
  const bytes = bin(GROUP);
  for (const size of [1, 2, 5, 13, 64, bytes.length]) {
    const parser = new GroupParser();
    const ev = feed(parser, bytes, size);
    assert.deepEqual(ev[0].header, { subscriptionId: 3, group: 1795316932253, priority: 1 });
    const [o0, o1] = [ev[1].object, ev[2].object];
    assert.equal(ev.length, 3);
    assert.deepEqual([o0.sequence, o0.timestampMicros, hex(o0.payload), o0.signature.length], [0, 1795316932253123, '010203', 0]);
    assert.deepEqual([o1.sequence, o1.timestampMicros, hex(o1.signature), o1.payload.length], [1, 1795316932453123, '0909', 100]);
    parser.finish();
  }
});

test('a group stream that ends inside an object, or goes backwards, is an error', () => {
  const bytes = bin(GROUP);
  const cut = new GroupParser();
  cut.push(bytes.slice(0, bytes.length - 1));
  assert.throws(() => cut.finish(), (e) => e instanceof ProtocolError && e.code === 0xd);
  assert.throws(() => new GroupParser().push(bin('0203')), ProtocolError); // not a group stream
  const back = bin('010300010000000000000000'); // header, then object 0 twice
  assert.throws(() => new GroupParser().push(back), ProtocolError);
});

test('certificate hashes convert from hex', () => {
  assert.deepEqual([...hexToBytes('00ff10')], [0, 255, 16]);
  assert.throws(() => hexToBytes('abc'));
});

test('fragment timing comes from tfdt and trun, per track (the demo clip)', () => {
  const clip = fileURLToPath(new URL('../../../../ingest/src/main/resources/clips/demo.mp4', import.meta.url));
  if (!fs.existsSync(clip)) return; // the clip lives in another module; skip when this folder stands alone
  const file = new Uint8Array(fs.readFileSync(clip));
  const init = parseInit(file);
  assert.equal(init.get(1).timescale, 12800);
  assert.equal(init.get(2).timescale, 48000);
  const moofs = [...boxes(file)].filter((b) => b.type === 'moof');
  let expected = 0;
  for (const moof of moofs.slice(0, 10)) {
    const f = parseFragment(file.subarray(moof.start, moof.end), init);
    assert.equal(f.trackId, 1);
    assert.equal(f.baseMediaDecodeTime, expected); // contiguous: each starts where the last ended
    assert.equal(f.duration, 5 * 512); // 5 frames of 512 ticks (25 fps at 12800)
    expected += f.duration;
  }
});

// The viewer token of AccessTokenTest (protocol/src/test/.../auth): signed with the RFC 8032 test key.
const VIEWER_TOKEN = 'tc1.AQDAAAAAa0nSAApsaXZlL2ZpbmFsB2V1LXdlc3QEdC00Mg.'
  + 'i41a5Y9qbAHQdnP8JpmddvTY-5bjClDF7qi5X3krI7F5rLpPqHvzhxdR_6rB-XJ9Qcp5Y4O186vjEdnDzkykDA';

test('the player reads a token\'s claims to say why a relay refused it', () => {
  assert.deepEqual(tokenClaims(VIEWER_TOKEN),
    { role: 'viewer', expires: 1800000000, broadcast: 'live/final', region: 'eu-west', id: 't-42' });
  assert.equal(tokenClaims('tc1.AQHAAAAAa0nSAAAAAA.x').role, 'relay');
  assert.equal(tokenClaims('not a token'), null);
  assert.equal(tokenClaims('tc1.!!.x'), null);
  assert.equal(tokenProblem(VIEWER_TOKEN, 'live/final', 1799999999), null);
  assert.match(tokenProblem(VIEWER_TOKEN, 'live/final', 1800000000), /^the viewer token expired at /);
  assert.equal(tokenProblem(VIEWER_TOKEN, 'other', 0), "the viewer token is for 'live/final', not 'other'");
  assert.match(tokenProblem(null, 'live/final'), /^no viewer token/);
  assert.equal(tokenProblem('tc1.AQHAAAAAa0nSAAAAAA.x', 'live/final', 0), 'the token is a relay token, not a viewer token');
});

test('a token travels on the URL and is never shown', () => {
  const url = withToken('https://10.0.0.5:4443/watch/live/final', VIEWER_TOKEN);
  assert.equal(url, 'https://10.0.0.5:4443/watch/live/final?token=' + VIEWER_TOKEN);
  assert.equal(tokenOf(url), VIEWER_TOKEN);
  assert.equal(withToken(url, 'tc1.b.c'), 'https://10.0.0.5:4443/watch/live/final?token=tc1.b.c');
  assert.equal(withToken('https://h:1/watch/x', null), 'https://h:1/watch/x');
  assert.equal(withoutToken(url), 'https://10.0.0.5:4443/watch/live/final');
  assert.equal(withoutToken('https://h:1/watch/x'), 'https://h:1/watch/x');
});
