// Whether the build in dist/ is as new as the sources it was made from (see bin/build.js).
// Plain JavaScript on purpose: the bin asks it before it knows whether to load TypeScript.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const STAMP = 'build-stamp.json';
const stampFile = path.join(dist, STAMP);

/** What the build is made from: compiled (.ts) and copied as they are (schemas, samples, rules). */
const SOURCES = ['src', 'back-office', 'adapters', 'migrations', 'test/sandbox', 'schemas'];
const CONFIG = ['tsconfig.json', 'tsconfig.build.json'];
/** adapters/ is read from the project folder at run time; only its TypeScript hooks are built. */
const ONLY_TYPESCRIPT = new Set(['adapters']);

/** Every file of the sources, relative to the project folder (tests excluded: never built). */
function sourceFiles(root) {
  const files = [...CONFIG];
  const walk = (relative, onlyTypeScript) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child, onlyTypeScript);
      else if (entry.name.endsWith('.test.ts')) continue;
      else if (!onlyTypeScript || entry.name.endsWith('.ts')) files.push(child);
    }
  };
  for (const dir of SOURCES) walk(dir, ONLY_TYPESCRIPT.has(dir));
  return files;
}

/** { built, fresh, newer: the first source changed since the build, main: the built entry point }. */
function buildState(projectRoot = root) {
  const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(projectRoot, 'dist', STAMP), 'utf8'));
  } catch {
    return { built: false, fresh: false, newer: null, main };
  }
  for (const file of sourceFiles(projectRoot)) {
    let mtime;
    try {
      mtime = fs.statSync(path.join(projectRoot, file)).mtimeMs;
    } catch {
      continue;
    }
    if (mtime > stamp.startedAt) return { built: true, fresh: false, newer: file, main };
  }
  // A source deleted since the build leaves its folder changed (a deleted migration must not run).
  for (const dir of stamp.folders ?? []) {
    let mtime;
    try {
      mtime = fs.statSync(path.join(projectRoot, dir)).mtimeMs;
    } catch {
      return { built: true, fresh: false, newer: dir, main };
    }
    if (mtime > stamp.startedAt) return { built: true, fresh: false, newer: dir, main };
  }
  return { built: true, fresh: true, newer: null, main };
}

module.exports = { root, dist, stampFile, SOURCES, ONLY_TYPESCRIPT, sourceFiles, buildState };
