#!/usr/bin/env node
// `npm run bench:cli`: how long the command line takes to answer `--help`, against `node -e ''`
// (the floor: starting Node itself). Run after `npm run build`; without a fresh build the bin runs
// the sources and the numbers say so. Five runs each, the median and the slowest.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { buildState } = require('../bin/build-state');

const RUNS = Number(process.env.RUNS) || 5;
const bin = path.join(__dirname, '..', 'bin', 'ecspert.js');

function time(label, args, env = {}) {
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (run.status !== 0) throw new Error(`${label} failed: ${run.stderr}`);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  console.log(
    `${label.padEnd(40)} median ${median.toFixed(0).padStart(6)} ms   slowest ${ms[ms.length - 1].toFixed(0).padStart(6)} ms`,
  );
  return median;
}

const state = buildState();
console.log(
  state.fresh
    ? 'build: fresh (dist/)'
    : state.built
      ? `build: stale (${state.newer} is newer)`
      : 'build: none',
);
const floor = time("node -e ''", ['-e', '']);
const help = time('ecspert --help', [bin, '--help']);
if (state.built) time('ecspert --help (ECSPERT_FROM=build)', [bin, '--help'], { ECSPERT_FROM: 'build' });
time('ecspert --help (ECSPERT_FROM=sources)', [bin, '--help'], { ECSPERT_FROM: 'sources' });
console.log(`--help over the floor: ${(help - floor).toFixed(0)} ms${help < 1000 ? '' : ' (over a second)'}`);
