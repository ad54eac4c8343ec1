#!/usr/bin/env node
// Plays a Treecast player page in headless Chromium and judges the playback.
//
// Usage:
//   node play.mjs <playerUrl> [--seconds 15] [--screenshot path.png]
//
//   <playerUrl>   e.g. http://127.0.0.1:8080/watch/demo (the page must define window.treecast.stats())
//   --seconds N   how long to watch, start-up included (default 15)
//   --screenshot  save a PNG of the page at the end
//
// Environment: CHROMIUM = the browser binary (default /usr/bin/chromium). No browser is ever downloaded.
// Needs `npm install` in this folder (playwright-core, pinned in package-lock.json).
//
// Contract (a JUnit test parses it): stdout carries exactly ONE line, a JSON object, printed last:
//   {
//     "ok": boolean,                  // the verdict below
//     "startupMs": number|null,       // ms from navigation start to the first `playing` event (page clock)
//     "advancedSeconds": number,      // media seconds played: currentTime at the end - currentTime at start-up
//     "maxLatencyMsAfterStart": number|null,  // highest latencyMs sampled once playing
//     "latencyMs": number|null,       // latency at the end: now - ingest wall time of the frame on screen
//     "stallsAfterStart": number,     // `waiting` events after playback started (window.treecast.stats().stalls)
//     "relay": string|null,           // node id of the relay serving the page (from SETUP_OK)
//     "samples": [ {t, currentTime, latencyMs, buffered, stalls, playing}, ... ],  // a few, evenly spread
//     "error": string|null            // why it is not ok (page error, launch failure, unmet criterion)
//   }
//   plus informational fields: "stallMs", "bytesReceived", "objectsReceived", "objectsDropped", "url", "seconds",
//   and the signature check's: "verifying" (the page had a broadcast key), "rejectedObjects" (objects whose
//   signature failed, never appended) and "rejected" (the last few: [{track, group, sequence, reason}]).
// Everything else (page console errors, progress) goes to stderr.
//
// Verdict: ok = within --seconds, currentTime advanced by >= 5 s after start-up, latencyMs < 1500 at the end, and
// no stall after start-up.
// Exit status: 0 ok; 1 ran but not ok; 2 bad usage or the browser could not be started.

import { launchChromium } from './chromium.mjs';

const MIN_ADVANCE_SECONDS = 5;
const MAX_END_LATENCY_MS = 1500;
const POLL_MS = 250;
const MAX_SAMPLES = 8;

function parseArgs(argv) {
  const opts = { url: null, seconds: 15, screenshot: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') {
      opts.seconds = Number(argv[++i]);
    } else if (a.startsWith('--seconds=')) {
      opts.seconds = Number(a.slice('--seconds='.length));
    } else if (a === '--screenshot') {
      opts.screenshot = argv[++i];
    } else if (a.startsWith('--screenshot=')) {
      opts.screenshot = a.slice('--screenshot='.length);
    } else if (a === '-h' || a === '--help') {
      opts.help = true;
    } else if (!a.startsWith('--') && opts.url == null) {
      opts.url = a;
    } else {
      throw new Error(`unknown argument '${a}'`);
    }
  }
  if (!opts.help && !opts.url) throw new Error('the player URL is required');
  if (!(opts.seconds > 0)) throw new Error('--seconds must be a positive number');
  if (opts.screenshot === undefined) throw new Error('--screenshot needs a path');
  return opts;
}

const result = {
  ok: false,
  startupMs: null,
  advancedSeconds: 0,
  maxLatencyMsAfterStart: null,
  latencyMs: null,
  stallsAfterStart: 0,
  relay: null,
  samples: [],
  error: null,
  stallMs: 0,
  bytesReceived: 0,
  objectsReceived: 0,
  objectsDropped: 0,
  verifying: false,
  rejectedObjects: 0,
  rejected: [],
  url: null,
  seconds: null,
};

let printed = false;
function finish(code) {
  if (!printed) {
    printed = true;
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  process.exitCode = code;
}

function log(message) {
  process.stderr.write(`[play] ${message}\n`);
}

function round(v, digits = 3) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v ?? null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** At most `n` samples, evenly spread, always keeping the first and the last. */
function spread(all, n) {
  if (all.length <= n) return all;
  const out = [];
  for (let k = 0; k < n; k++) out.push(all[Math.round((k * (all.length - 1)) / (n - 1))]);
  return out;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    result.error = `usage: node play.mjs <playerUrl> [--seconds 15] [--screenshot path.png]: ${e.message}`;
    return finish(2);
  }
  if (opts.help) {
    process.stderr.write('usage: node play.mjs <playerUrl> [--seconds 15] [--screenshot path.png]\n');
    return finish(2);
  }
  result.url = opts.url;
  result.seconds = opts.seconds;

  let browser;
  try {
    browser = await launchChromium({ viewport: { width: 960, height: 540 }, autoplay: true });
  } catch (e) {
    result.error = e.message;
    return finish(2);
  }
  const { context } = browser;

  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      const type = msg.type();
      if (type === 'error' || type === 'warning') log(`page ${type}: ${msg.text()}`);
    });
    page.on('pageerror', (e) => log(`page exception: ${e.message}`));
    page.on('requestfailed', (r) => log(`request failed: ${r.url()} (${r.failure()?.errorText})`));

    const deadline = Date.now() + opts.seconds * 1000;
    try {
      const response = await page.goto(opts.url, { waitUntil: 'domcontentloaded', timeout: opts.seconds * 1000 });
      if (response && !response.ok()) throw new Error(`the page answered HTTP ${response.status()}`);
    } catch (e) {
      result.error = `could not open ${opts.url}: ${e.message.split('\n')[0]}`;
      return finish(1);
    }

    const all = [];
    let startTime = null; // currentTime when playback started
    let last = null;
    let pageError = null;
    while (Date.now() < deadline) {
      let s;
      try {
        s = await page.evaluate(() => (window.treecast && typeof window.treecast.stats === 'function'
          ? window.treecast.stats() : null));
      } catch (e) {
        pageError = `the page failed: ${e.message.split('\n')[0]}`;
        break;
      }
      if (s) {
        last = s;
        const started = s.startupMs != null || s.playing;
        if (started && startTime == null) {
          startTime = s.currentTime;
          log(`playing after ${s.startupMs} ms from ${s.relay} (${s.url})`);
        }
        const sample = {
          t: round((opts.seconds * 1000 - (deadline - Date.now())) / 1000, 2),
          currentTime: round(s.currentTime),
          latencyMs: s.latencyMs,
          buffered: round(s.buffered),
          stalls: s.stalls,
          playing: s.playing,
        };
        all.push(sample);
        if (started && typeof s.latencyMs === 'number') {
          result.maxLatencyMsAfterStart = Math.max(result.maxLatencyMsAfterStart ?? 0, s.latencyMs);
        }
      }
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    }

    if (opts.screenshot) {
      try {
        await page.screenshot({ path: opts.screenshot });
        log(`screenshot saved to ${opts.screenshot}`);
      } catch (e) {
        log(`could not save a screenshot: ${e.message.split('\n')[0]}`);
      }
    }

    result.samples = spread(all, MAX_SAMPLES);
    if (last) {
      result.startupMs = last.startupMs ?? null;
      result.latencyMs = last.latencyMs ?? null;
      result.stallsAfterStart = last.stalls ?? 0;
      result.stallMs = last.stallMs ?? 0;
      result.relay = last.relay ?? null;
      result.bytesReceived = last.bytesReceived ?? 0;
      result.objectsReceived = last.objectsReceived ?? 0;
      result.objectsDropped = last.objectsDropped ?? 0;
      result.verifying = last.verifying ?? false;
      result.rejectedObjects = last.rejectedObjects ?? 0;
      result.rejected = last.rejected ?? [];
      result.advancedSeconds = startTime == null ? 0 : round(last.currentTime - startTime);
    }

    const problems = [];
    if (pageError) problems.push(pageError);
    if (!last) problems.push('the page never defined window.treecast.stats()');
    else if (startTime == null) problems.push(`playback never started${last.error ? ': ' + last.error : ''}`);
    else {
      if (result.advancedSeconds < MIN_ADVANCE_SECONDS) {
        problems.push(`played only ${result.advancedSeconds} s of media (at least ${MIN_ADVANCE_SECONDS} s needed)`);
      }
      if (result.latencyMs == null || !(result.latencyMs < MAX_END_LATENCY_MS)) {
        problems.push(`latency at the end is ${result.latencyMs} ms (must be below ${MAX_END_LATENCY_MS} ms)`);
      }
      if (result.stallsAfterStart > 0) {
        problems.push(`${result.stallsAfterStart} stall(s) after start-up (${result.stallMs} ms)`);
      }
      if (problems.length > 0 && last.error) problems.push(`the page says: ${last.error}`);
    }
    result.ok = problems.length === 0;
    result.error = result.ok ? null : problems.join('; ');
    return finish(result.ok ? 0 : 1);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  result.ok = false;
  result.error = `harness failure: ${e && e.message ? e.message.split('\n')[0] : e}`;
  finish(1);
});
