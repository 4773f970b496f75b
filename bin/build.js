#!/usr/bin/env node
// `npm run build` (and `prepare`, which `npm install` and `npm ci` run): compiles the TypeScript
// into dist/ with tsconfig.build.json, copies beside it the files the code reads next to itself
// (schemas, sample files, rules), and writes dist/build-stamp.json last, with the moment the build
// began: bin/ecspert.js runs the build only while no source is newer than that.
//
// Without TypeScript (an install without dev dependencies) there is nothing to build with: it says
// so and succeeds, and the command runs from the sources.
//
// `npx ecspert` in the project folder links the project into npx's cache, and npm runs `prepare`
// for that link (npm_command=exec), as often as every call: nothing is built then, the project is
// installed already and the bin runs its build, or the sources when the build is older.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { root, dist, stampFile, SOURCES, ONLY_TYPESCRIPT } = require('./build-state');

if (process.env.npm_command === 'exec' && process.env.npm_lifecycle_event === 'prepare') process.exit(0);

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  process.stdout.write(
    'ecspert build: TypeScript is not installed (no dev dependencies): `ecspert` will run from the sources\n',
  );
  process.exit(0);
}

const startedAt = Date.now();
fs.rmSync(stampFile, { force: true });
// From nothing: a source deleted since the last build leaves nothing behind (a migration would run).
fs.rmSync(dist, { recursive: true, force: true });

const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (compiled.status !== 0) {
  process.stderr.write('ecspert build: tsc failed (above); `ecspert` will run from the sources\n');
  process.exit(compiled.status ?? 1);
}

const folders = [];
let copied = 0;
const copy = (relative, onlyTypeScript) => {
  folders.push(relative);
  for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) copy(child, onlyTypeScript);
    else if (!entry.name.endsWith('.ts') && !onlyTypeScript) {
      fs.mkdirSync(path.join(dist, relative), { recursive: true });
      fs.copyFileSync(path.join(root, child), path.join(dist, child));
      copied++;
    }
  }
};
for (const dir of SOURCES) if (fs.existsSync(path.join(root, dir))) copy(dir, ONLY_TYPESCRIPT.has(dir));

fs.writeFileSync(stampFile, `${JSON.stringify({ startedAt, folders }, null, 2)}\n`);
process.stdout.write(
  `ecspert build: dist/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${copied} file(s) copied beside the code)\n`,
);
