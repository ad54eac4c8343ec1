#!/usr/bin/env node
// Watches the <moq-watch> page (/moq/<broadcast>, the third-party MoQ player @moq/watch) in headless Chromium and
// reports what it rendered.
//
// Usage:
//   node moq-watch.mjs <pageUrl> [--seconds 20] [--enough S] [--kill-after S] [--screenshot path.png]
//
//   <pageUrl>       e.g. http://127.0.0.1:8080/moq/demo (the page must define window.moqPage.stats())
//   --seconds N     how long to watch at most, start-up included (default 20)
//   --enough S      stop early once frames have been drawn without a break for S seconds (after the recovery, with
//                   --kill-after): a slow start on a loaded machine then costs time, not the verdict
//   --kill-after S  once frames have rendered for S seconds, print {"event":"kill","relay":R} on stdout and wait for
//                   the driver (a JUnit test) to kill relay R and write one line on stdin, "killed <epoch ms when the
//                   kill began>"; the recovery is measured from that moment (same machine, same clock)
//   --screenshot    save a PNG of the page at the end
//
// Environment: CHROMIUM = the browser binary (default /usr/bin/chromium). No browser is ever downloaded.
//
// Contract (a JUnit test parses it): stdout carries event lines ({"event":...}) and, LAST, one result line:
//   {
//     "ok": boolean,                 // the page rendered frames and nothing failed (the test judges the numbers)
//     "firstFrameMs": number|null,   // ms from navigation start to the first frame drawn on the canvas
//     "framesRendered": number,      // distinct frames drawn
//     "renderedSpanMs": number,      // first frame → last frame drawn
//     "maxGapMs": number,            // longest time between two frames drawn, outside the kill window and the
//                                    // first 2 s after the first frame
//     "startupGapMs": number,        // longest such gap in those first 2 s (over 500 ms, else 0)
//     "canvasChanges": number,       // 500 ms samples taken while frames are drawn (one in the last 500 ms) whose
//                                    // canvas differs from the sample before
//     "canvasSamples": number,       // such samples in all
//     "litPixels": number,           // non-black pixels of the 16x9 sample grid at the end (0: a black canvas)
//     "kill": null | {               // with --kill-after
//        "relay": string,            // the relay killed (the one the page played from)
//        "atMs": number,             // page clock (performance.now()) when the driver said it was killed
//        "lastFrameAfterKillMs": number|null,  // the last frame before the gap, relative to the kill
//        "recoveredAfterMs": number|null,      // first frame after the gap, relative to the kill (null: never)
//        "relayAfter": string|null,  // where the page plays from at the end
//        "selfReconnects": number,   // reconnects @moq/watch made by itself (same URL)
//        "switches": [...]           // the page's re-pointings after the kill: {atMs, from, to, reason}
//        "framesAfterRecovery": number, "renderedAfterRecoveryMs": number
//     },
//     "lastFrameAgoMs": number|null, // how long before the end the last frame was drawn
//     "connection": string|null,     // the element's connection status at the end (connected, connecting, ...)
//     "relay", "decoder", "events", "switches", "gaps", "samples": informational,
//     "error": string|null
//   }
// Exit status: 0 ok; 1 ran but not ok; 2 bad usage or the browser could not be started.

import { launchChromium } from './chromium.mjs';
import readline from 'node:readline';

const SAMPLE_MS = 500;
/** Gaps between frames ending this soon after the first frame count as start-up, not as stalls. */
const STARTUP_MS = 2000;

function parseArgs(argv) {
  const opts = { url: null, seconds: 20, enough: null, killAfter: null, screenshot: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') opts.seconds = Number(argv[++i]);
    else if (a === '--kill-after') opts.killAfter = Number(argv[++i]);
    else if (a === '--enough') opts.enough = Number(argv[++i]);
    else if (a === '--screenshot') opts.screenshot = argv[++i];
    else if (!a.startsWith('--') && opts.url == null) opts.url = a;
    else throw new Error(`unknown argument '${a}'`);
  }
  if (!opts.url) throw new Error('the page URL is required');
  if (!(opts.seconds > 0)) throw new Error('--seconds must be a positive number');
  if (opts.enough != null && !(opts.enough > 0)) throw new Error('--enough must be a positive number');
  if (opts.killAfter != null && !(opts.killAfter > 0 && opts.killAfter < opts.seconds)) {
    throw new Error('--kill-after must be between 0 and --seconds');
  }
  return opts;
}

const result = {
  ok: false,
  firstFrameMs: null,
  framesRendered: 0,
  renderedSpanMs: 0,
  maxGapMs: 0,
  startupGapMs: 0,
  canvasChanges: 0,
  canvasSamples: 0,
  litPixels: 0,
  kill: null,
  relay: null,
  lastFrameAgoMs: null,
  connection: null,
  decoder: null,
  events: [],
  switches: [],
  gaps: [],
  samples: [],
  error: null,
};

let printed = false;
function finish(code) {
  if (!printed) {
    printed = true;
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  process.exitCode = code;
}

function event(e) {
  process.stdout.write(JSON.stringify(e) + '\n');
}

function log(message) {
  process.stderr.write(`[moq-watch] ${message}\n`);
}

/** Resolves with the next line on stdin (the driver's "killed"), or null at end of input. */
function nextStdinLine() {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin });
    let done = false;
    rl.once('line', (line) => {
      done = true;
      rl.close();
      process.stdin.destroy(); // nothing more to read; an open stdin would keep node alive
      resolve(line);
    });
    rl.once('close', () => {
      if (!done) resolve(null);
    });
  });
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    result.error = `usage: node moq-watch.mjs <pageUrl> [--seconds 20] [--kill-after S] [--screenshot p.png]: ${e.message}`;
    return finish(2);
  }
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
      if (type === 'error' || type === 'warning' || type === 'info') log(`page ${type}: ${msg.text()}`);
    });
    page.on('pageerror', (e) => log(`page exception: ${e.message}`));

    const deadline = Date.now() + opts.seconds * 1000;
    try {
      const response = await page.goto(opts.url, { waitUntil: 'domcontentloaded', timeout: opts.seconds * 1000 });
      if (response && !response.ok()) throw new Error(`the page answered HTTP ${response.status()}`);
    } catch (e) {
      result.error = `could not open ${opts.url}: ${e.message.split('\n')[0]}`;
      return finish(1);
    }

    // A page that stops answering must not hold the harness past its deadline.
    const answer = (fn) => Promise.race([page.evaluate(fn), new Promise((_, reject) => setTimeout(
      () => reject(new Error('the page did not answer within 15 s')), 15000))]);
    const stats = () => answer(() => (window.moqPage ? window.moqPage.stats() : null));
    const canvas = () => answer(() => (window.moqPage ? window.moqPage.canvas() : null));

    let last = null;
    let lastSignature = null;
    let killAtMs = null; // page clock (performance.now()) when the driver said it killed the relay
    let killRelay = null;
    let pageError = null;
    let killRequested = false;
    let killed = null;
    while (Date.now() < deadline) {
      try {
        const s = await stats();
        const c = await canvas();
        if (s) {
          last = s;
          // Only while frames are being drawn: a still picture then means a frozen player.
          if (s.firstFrameMs != null && c && s.lastFrameAgoMs != null && s.lastFrameAgoMs < 500) {
            result.canvasSamples++;
            if (lastSignature != null && c.hash !== lastSignature) result.canvasChanges++;
            lastSignature = c.hash;
            result.litPixels = c.lit;
          } else {
            lastSignature = null;
          }
          if (result.samples.length < 200) {
            result.samples.push({ t: s.nowMs, frames: s.framesRendered, received: s.decoder?.frameCount ?? null,
              media: s.frameTimestampMs, relay: s.relay, status: s.status, canvas: c ? c.hash : null });
          }
          if (opts.killAfter != null && !killRequested && s.firstFrameMs != null
              && s.nowMs - s.firstFrameMs >= opts.killAfter * 1000) {
            killRequested = true;
            killRelay = s.relay;
            log(`rendered ${s.framesRendered} frames from ${s.relay}: asking for it to be killed`);
            event({ event: 'kill', relay: s.relay, framesRendered: s.framesRendered });
            killed = nextStdinLine().then(async (line) => {
              // "killed <epoch ms when the kill began>": on the page's clock, performance.now() = epoch - timeOrigin.
              const [, epoch] = (line ?? '').split(' ');
              const origin = await page.evaluate(() => performance.timeOrigin);
              killAtMs = epoch ? Number(epoch) - origin : await page.evaluate(() => performance.now());
              log(`driver: ${line} (page clock ${Math.round(killAtMs)} ms)`);
            });
          }
          if (opts.enough != null && s.firstFrameMs != null && s.lastFrameAgoMs != null && s.lastFrameAgoMs < 500) {
            // Drawing since: the first frame; with a kill, the end of the last gap after it (or the kill itself).
            let since = s.firstFrameMs;
            if (killRequested) {
              since = killAtMs == null ? Infinity
                : (s.gaps.filter((g) => g.atMs > killAtMs).pop()?.atMs ?? killAtMs);
            }
            if (s.nowMs - since >= opts.enough * 1000) break;
          }
        }
      } catch (e) {
        pageError = `the page failed: ${e.message.split('\n')[0]}`;
        break;
      }
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, Math.max(0, deadline - Date.now()))));
    }
    if (killed) await Promise.race([killed, new Promise((r) => setTimeout(r, 5000))]);

    if (opts.screenshot) {
      await page.screenshot({ path: opts.screenshot }).catch((e) => log(`no screenshot: ${e.message}`));
    }

    if (last) {
      result.firstFrameMs = last.firstFrameMs;
      result.framesRendered = last.framesRendered;
      result.renderedSpanMs = last.firstFrameMs == null || last.lastFrameAgoMs == null ? 0
        : last.nowMs - last.lastFrameAgoMs - last.firstFrameMs;
      result.relay = last.relay;
      result.lastFrameAgoMs = last.lastFrameAgoMs;
      result.connection = last.connection;
      result.decoder = last.decoder;
      result.events = last.events;
      result.switches = last.switches;
      result.gaps = last.gaps;
      // The kill window: from the kill to the first frame after it. Gaps there are the recovery, not a stall.
      let recovery = null;
      if (killAtMs != null) {
        recovery = last.gaps.find((g) => g.atMs > killAtMs) ?? null;
        const lastFrameBefore = recovery ? recovery.atMs - recovery.ms : null;
        const recoveredAt = recovery ? recovery.atMs : null;
        const lastFrameAt = last.nowMs - (last.lastFrameAgoMs ?? 0);
        result.kill = {
          relay: killRelay,
          atMs: Math.round(killAtMs),
          lastFrameAfterKillMs: lastFrameBefore == null ? null : Math.round(lastFrameBefore - killAtMs),
          recoveredAfterMs: recoveredAt == null ? null : Math.round(recoveredAt - killAtMs),
          relayAfter: last.relay,
          selfReconnects: last.selfReconnects,
          switches: last.switches.filter((s) => s.atMs > killAtMs),
          framesAfterRecovery: 0,
          renderedAfterRecoveryMs: recoveredAt == null ? 0 : Math.max(0, Math.round(lastFrameAt - recoveredAt)),
        };
        const before = result.samples.filter((s) => recoveredAt != null && s.t <= recoveredAt).pop();
        result.kill.framesAfterRecovery = recoveredAt == null ? 0 : last.framesRendered - (before ? before.frames : 0);
      }
      // Outside the kill window and the start-up (the player shows the first keyframe at once, then may pause while
      // it catches up with the live edge); the page lists only gaps over 500 ms, so with none left the bound is 500.
      const startup = last.gaps.filter((g) => last.firstFrameMs != null && g.atMs <= last.firstFrameMs + STARTUP_MS);
      result.startupGapMs = Math.max(0, ...startup.map((g) => g.ms));
      const others = last.gaps.filter((g) => g !== recovery && !startup.includes(g));
      result.maxGapMs = others.length > 0 ? Math.max(...others.map((g) => g.ms))
        : recovery ? Math.min(last.maxGapMs, 500) : last.maxGapMs;
    }
    result.samples = result.samples.filter((_, i, all) => i % Math.max(1, Math.ceil(all.length / 40)) === 0);

    const problems = [];
    if (pageError) problems.push(pageError);
    if (!last) problems.push('the page never defined window.moqPage.stats()');
    else if (last.firstFrameMs == null) {
      problems.push(`no frame was ever rendered (connection ${last.connection}${last.error ? `; ${last.error}` : ''})`);
    }
    if (opts.killAfter != null && killAtMs == null) problems.push('the relay was never killed');
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
