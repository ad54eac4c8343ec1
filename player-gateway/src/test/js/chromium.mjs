// Headless Chromium for the browser harnesses (play.mjs, treemap.mjs, moq-watch.mjs): Debian's binary driven by
// playwright-core (no browser is ever downloaded), in a fresh profile that close() deletes.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The flags measured to work as root on the build machine (see /work/shared/FINDINGS.md). No --disable-quic:
// WebTransport runs over QUIC.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/**
 * Starts Chromium ($CHROMIUM, default /usr/bin/chromium) with `viewport`; `autoplay` lets media play without a
 * gesture. Resolves with { context, close }, close() ending the browser and deleting its profile; rejects with a
 * one-line Error naming the binary when Chromium does not start.
 */
export async function launchChromium({ viewport, autoplay = false }) {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'treecast-chromium-'));
  const args = autoplay ? [...FLAGS, '--autoplay-policy=no-user-gesture-required'] : FLAGS;
  const removeProfile = () => fs.rmSync(userDataDir, { recursive: true, force: true });
  let context;
  try {
    // A persistent context so the browser uses our fresh profile (launch() refuses --user-data-dir).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath, headless: true, args, viewport, timeout: 30000,
    });
  } catch (e) {
    removeProfile();
    throw new Error(`could not start Chromium at ${executablePath}: ${e.message.split('\n')[0]}`);
  }
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      removeProfile();
    },
  };
}
