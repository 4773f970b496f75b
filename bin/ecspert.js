#!/usr/bin/env node
// The `ecspert` command. It runs the build (dist/, made by `npm run build`, which `npm install` and
// `npm ci` run as the `prepare` step) when the build is at least as new as every source it was made
// from; otherwise it runs the TypeScript sources through tsx (a few seconds more to start), so that
// nobody runs code older than what they see in src/ (a developer who edits a file and runs the
// command gets the edit, not yesterday's build). On a terminal it says so in one line; a program
// reading stderr (a script, a test comparing the output) gets the same answers without that line.
//
// ECSPERT_FROM=sources runs the sources without a word (the tests do: they test what is in the
// tree); ECSPERT_FROM=build runs the build even when a source is newer.
const { buildState } = require('./build-state');

const from = process.env.ECSPERT_FROM;
if (from && from !== 'sources' && from !== 'build') {
  process.stderr.write(`ecspert: ECSPERT_FROM: '${from}' is not 'sources' or 'build' (or unset)\n`);
  process.exit(2);
}

const state = from === 'sources' ? null : buildState();
if (state && (state.fresh || from === 'build')) {
  if (!state.built) {
    process.stderr.write('ecspert: ECSPERT_FROM=build but there is no build: run `npm run build`\n');
    process.exit(2);
  }
  // An adapter's hooks (adapters/<insurer>/exchange.ts) are TypeScript the build does not own: tsx
  // is registered when the first .ts file is required, not before (it adds 0.1 s to every start).
  const Module = require('node:module');
  Module._extensions['.ts'] = function loadTypeScript(module, filename) {
    delete Module._extensions['.ts'];
    require('tsx/cjs');
    return Module._extensions['.ts'](module, filename);
  };
  require(state.main).runCli();
} else {
  if (state && process.stderr.isTTY)
    process.stderr.write(
      state.built
        ? `ecspert: ${state.newer} changed since the build: running the sources (slower start; \`npm run build\` to build again)\n`
        : 'ecspert: no build yet: running the sources (slower start; `npm run build` makes one)\n',
    );
  require('tsx/cjs');
  require('../src/cli/main.ts').runCli();
}
