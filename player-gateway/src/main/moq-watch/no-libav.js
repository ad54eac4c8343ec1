// Stands in for the libav.js Opus polyfill @moq/hang loads when the browser has no WebCodecs AudioDecoder. The real
// one fetches its WebAssembly from a CDN at run time, which a Treecast page must never do (and it is LGPL code we
// would rather not ship). Browsers with WebCodecs audio (Chromium, Firefox, Safari 17+) never get here; the others
// play video only and say why in the console.
const reason = 'this browser has no WebCodecs AudioDecoder, and the Treecast bundle of @moq/watch does not ship the'
  + ' libav.js polyfill that would fetch one from a CDN';

export async function load() {
  throw new Error(reason);
}

export default function LibAV() {
  throw new Error(reason);
}
