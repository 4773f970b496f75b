#!/usr/bin/env node
// `npm run build:web` (and `prepare`, after bin/build.js): builds the web application (web/) with
// Vite into web/dist, which `ecspert serve`/`npm start` serves at `/`.
//   --if-stale   build only when a file under web/ (or package-lock.json) is newer than web/dist
//                (the browser suites call it this way, so they always test the current screens)
// Without Vite (an install without dev dependencies) it says so and succeeds: the API still runs,
// and `/` leads to the API reference.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const web = path.join(root, 'web');
const built = path.join(web, 'dist', 'index.html');

if (process.env.npm_command === 'exec' && process.env.npm_lifecycle_event === 'prepare') process.exit(0);

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const child = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(child) : fs.statSync(child).mtimeMs);
  }
  return latest;
}

if (process.argv.includes('--if-stale') && fs.existsSync(built)) {
  const sources = Math.max(newest(web), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
  if (fs.statSync(built).mtimeMs >= sources) process.exit(0);
}

let vite;
try {
  // bin/vite.js is not among the package's exports: find the package, then its bin.
  vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [root] })), 'bin', 'vite.js');
} catch {
  process.stdout.write(
    'ecspert build: Vite is not installed (no dev dependencies): the web application is not built\n',
  );
  process.exit(0);
}
const startedAt = Date.now();
const result = spawnSync(
  process.execPath,
  [vite, 'build', '--config', path.join(web, 'vite.config.mts'), '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (result.status !== 0) {
  process.stderr.write('ecspert build: the web application did not build (above)\n');
  process.exit(result.status ?? 1);
}
process.stdout.write(`ecspert build: web/dist in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
