#!/usr/bin/env node
// Builds player/moq-watch.js: the third-party MoQ player <moq-watch> (npm @moq/watch, exactly as pinned in
// package-lock.json) bundled by esbuild into ONE browser ES module, plus player/moq-watch.js.LICENSE.txt with the
// license of every package that ended up in it. Maven runs this in generate-resources (player-gateway/pom.xml), so
// the bundle lands in target/classes and the gateway serves it from the classpath; nothing is fetched at run time.
//
// Usage: node build.mjs <targetDir>      (the module's target/ folder)
//
// Steps: copy package.json + package-lock.json to <targetDir>/moq-watch, `npm ci --ignore-scripts` there (skipped
// when the lock file is unchanged since the last install: a rebuild costs ~0.5 s), then esbuild. Install scripts of
// third-party packages never run (esbuild needs none: its binary comes as the @esbuild/<platform> package).
// Needs node >= 20 and npm; the npm registry (or npm's cache) at build time only.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_NAME = 'moq-watch.js';
/** Modules replaced by no-libav.js (see there why). */
const STUBBED = ['@libav.js/variant-opus-af', '@kixelated/libavjs-webcodecs-polyfill'];

function fail(message) {
  process.stderr.write(`moq-watch bundle: ${message}\n`);
  process.exit(1);
}

const targetDir = process.argv[2];
if (!targetDir) fail('usage: node build.mjs <targetDir>');
const work = path.resolve(targetDir, 'moq-watch');
const classesPlayer = path.resolve(targetDir, 'classes', 'player');
fs.mkdirSync(work, { recursive: true });
fs.mkdirSync(classesPlayer, { recursive: true });

// ------------------------------------------------------------------------------------------------ npm ci
const lock = fs.readFileSync(path.join(HERE, 'package-lock.json'));
const stamp = crypto.createHash('sha256').update(lock).update(fs.readFileSync(path.join(HERE, 'package.json')))
  .digest('hex');
const stampFile = path.join(work, 'installed.sha256');
const installed = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp
  && fs.existsSync(path.join(work, 'node_modules', 'esbuild'));
if (!installed) {
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(HERE, f), path.join(work, f));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    execFileSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: work, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    fail(`'npm ci' in ${work} failed (${e.message.split('\n')[0]}): the build needs npm and the npm registry (or`
      + ' npm\'s cache) to fetch @moq/watch; install Debian\'s npm (apt-get install npm)');
  }
  fs.writeFileSync(stampFile, stamp);
}

// ------------------------------------------------------------------------------------------------ esbuild
const esbuild = await import(pathToFileURL(path.join(work, 'node_modules', 'esbuild', 'lib', 'main.js')).href);
const watchPkg = JSON.parse(fs.readFileSync(path.join(work, 'node_modules', '@moq', 'watch', 'package.json')));

const noLibav = {
  name: 'no-libav',
  setup(build) {
    const filter = new RegExp(`^(${STUBBED.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, () => ({ path: path.join(HERE, 'no-libav.js') }));
  },
};

const outfile = path.join(classesPlayer, OUT_NAME);
const result = await esbuild.build({
  entryPoints: [path.join(HERE, 'entry.js')],
  nodePaths: [path.join(work, 'node_modules')],
  bundle: true,
  format: 'esm',
  minify: true,
  // WebTransport and WebCodecs are needed anyway; no older browser can play.
  target: ['chrome114', 'firefox130', 'safari17'],
  outfile,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [noLibav],
  banner: {
    js: `/* @moq/watch ${watchPkg.version} (${watchPkg.license}) and its dependencies, bundled by Treecast with`
      + ` esbuild ${esbuild.version}. Licenses: ${OUT_NAME}.LICENSE.txt */`,
  },
});

// ------------------------------------------------------------------------------------------------ licenses
/** The packages whose code is in the bundle: `{name, version, license, dir}`, by name. */
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const abs = path.resolve(input);
  const at = abs.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (at < 0) continue; // our own entry.js / no-libav.js
  const rest = abs.slice(at + '/node_modules/'.length).split(path.sep);
  const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  const dir = abs.slice(0, at + '/node_modules/'.length) + name;
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const key = `${pkg.name}@${pkg.version}`;
  if (!packages.has(key)) packages.set(key, { name: pkg.name, version: pkg.version, license: pkg.license, repository: pkg.repository, dir });
}

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;

const sections = [];
for (const p of [...packages.values()].sort((a, b) => a.name.localeCompare(b.name))) {
  const file = fs.readdirSync(p.dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  let text;
  if (file) {
    text = fs.readFileSync(path.join(p.dir, file), 'utf8').trim();
  } else if (/\bMIT\b/.test(p.license ?? '')) {
    // The @moq/* packages declare "(MIT OR Apache-2.0)" but ship no license file; we take them under MIT.
    text = `This package ships no license file; its package.json declares "${p.license}" (repository`
      + ` ${JSON.stringify(p.repository ?? 'github:moq-dev/moq')}). Used here under the MIT license:\n\n`
      + `Copyright (c) the authors of ${p.name}\n\n${MIT}`.trim();
  } else {
    fail(`${p.name}@${p.version} (${p.license}) is in the bundle but has no license file and no MIT option: `
      + 'check its license before shipping it');
  }
  sections.push(`${'='.repeat(117)}\n${p.name} ${p.version} — ${p.license}\n${'='.repeat(117)}\n\n${text}\n`);
}
const notice = `${OUT_NAME} bundles the following npm packages (exact versions from`
  + ' player-gateway/src/main/moq-watch/package-lock.json). Not bundled: the libav.js Opus polyfill (LGPL-2.1), which'
  + ' would fetch WebAssembly from a CDN at run time; a stub stands in for it (no-libav.js).\n\n'
  + sections.join('\n');
fs.writeFileSync(`${outfile}.LICENSE.txt`, notice);

const size = fs.statSync(outfile).size;
process.stdout.write(`moq-watch bundle: ${path.relative(process.cwd(), outfile)} ${(size / 1024).toFixed(0)} KiB`
  + ` (@moq/watch ${watchPkg.version}, ${packages.size} packages, esbuild ${esbuild.version})\n`);
