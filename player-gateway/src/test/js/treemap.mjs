#!/usr/bin/env node
// Opens the ingest's tree map (http://INGEST:8080/tree) in headless Chromium and reports what it draws.
//
// Usage:
//   node treemap.mjs <treeMapUrl> [--max-seconds 120] [--screenshot path.png --seconds N]
//
//   <treeMapUrl>     e.g. http://127.0.0.1:8080/tree
//   --max-seconds N  watchdog: exit (status 1) after N seconds whatever happens (default 120)
//   --screenshot P   one-shot mode: wait --seconds N (default 8), save a PNG of the page to P, exit
//   --width/--height viewport (default 1400 x 800)
//
// Environment: CHROMIUM = the browser binary (default /usr/bin/chromium). No browser is ever downloaded.
//
// Observer mode (no --screenshot; a JUnit test drives it): stdout carries one JSON object per line:
//   {"type":"state", "version", "transport", "nodes":[{id,parent,health,level,r}], "edges":[{from,to,ghost,width}],
//    "log":[{kind,node,text}]}        whenever what the page draws changes (checked every 100 ms)
//   {"type":"screenshot","path":P}    after the command "screenshot P" on stdin
//   {"type":"error","error":"..."}    the browser could not start or the page failed to load
// and stdin takes one command per line: "screenshot <path>" or "quit". Page errors go to stderr.
// Exit status: 0 after quit (or a one-shot screenshot); 1 on the watchdog or an error; 2 on bad usage or when the
// browser could not be started.

import { launchChromium } from './chromium.mjs';
import readline from 'node:readline';

function parseArgs(argv) {
  const opts = { url: null, maxSeconds: 120, screenshot: null, seconds: 8, width: 1400, height: 800 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--max-seconds') opts.maxSeconds = Number(argv[++i]);
    else if (a === '--screenshot') opts.screenshot = argv[++i];
    else if (a === '--seconds') opts.seconds = Number(argv[++i]);
    else if (a === '--width') opts.width = Number(argv[++i]);
    else if (a === '--height') opts.height = Number(argv[++i]);
    else if (!a.startsWith('--') && opts.url == null) opts.url = a;
    else throw new Error(`unknown argument '${a}'`);
  }
  if (!opts.url) throw new Error('the tree map URL is required');
  if (!(opts.maxSeconds > 0) || !(opts.seconds > 0)) throw new Error('seconds must be positive numbers');
  return opts;
}

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const log = (msg) => process.stderr.write(`[treemap] ${msg}\n`);

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    emit({ type: 'error', error: `usage: node treemap.mjs <treeMapUrl> [--max-seconds 120] [--screenshot P]: ${e.message}` });
    return 2;
  }
  let browser;
  try {
    browser = await launchChromium({ viewport: { width: opts.width, height: opts.height } });
  } catch (e) {
    emit({ type: 'error', error: e.message });
    return 2;
  }
  const { context } = browser;
  const watchdog = setTimeout(() => {
    emit({ type: 'error', error: `watchdog: still running after ${opts.maxSeconds} s` });
    browser.close().finally(() => process.exit(1));
  }, opts.maxSeconds * 1000);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => log(`page exception: ${e.message}`));
    const response = await page.goto(opts.url, { waitUntil: 'load', timeout: 30000 });
    if (!response || !response.ok()) {
      emit({ type: 'error', error: `GET ${opts.url} answered ${response ? response.status() : 'nothing'}` });
      return 1;
    }
    await page.waitForFunction(() => window.treemap && window.treemap.state().version > 0, null, { timeout: 30000 });

    if (opts.screenshot) {
      await page.waitForTimeout(opts.seconds * 1000);
      await page.screenshot({ path: opts.screenshot });
      emit({ type: 'screenshot', path: opts.screenshot });
      return 0;
    }

    const commands = [];
    let ended = false;
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => commands.push(line.trim()));
    rl.on('close', () => { ended = true; });
    let last = '';
    for (;;) {
      const state = await page.evaluate(() => window.treemap.state());
      // Radii and widths follow the throughput and change every second: report shape, health and log changes.
      const key = JSON.stringify([state.nodes.map((n) => [n.id, n.parent, n.health, n.level]),
                                  state.edges.map((e) => [e.from, e.to, e.ghost]), state.log.length, state.transport]);
      if (key !== last) {
        last = key;
        emit({ type: 'state', ...state });
      }
      while (commands.length) {
        const c = commands.shift();
        if (c === 'quit') return 0;
        if (c.startsWith('screenshot ')) {
          const file = c.slice('screenshot '.length);
          await page.screenshot({ path: file });
          emit({ type: 'screenshot', path: file });
        } else if (c) {
          log(`unknown command '${c}'`);
        }
      }
      if (ended) return 0;
      await page.waitForTimeout(100);
    }
  } catch (e) {
    emit({ type: 'error', error: `harness failure: ${e && e.message ? e.message.split('\n')[0] : e}` });
    return 1;
  } finally {
    clearTimeout(watchdog);
    await browser.close();
  }
}

main().then((code) => process.exit(code));
