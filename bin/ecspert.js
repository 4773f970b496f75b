#!/usr/bin/env node
// The `ecspert` command. Runs the TypeScript sources through tsx, or the compiled build when
// `npm run build` has made one and ECSPERT_USE_BUILD=1 asks for it.
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (process.env.ECSPERT_USE_BUILD === '1' && fs.existsSync(built)) {
  require(built).runCli();
} else {
  require('tsx/cjs');
  require('../src/cli/main.ts').runCli();
}
