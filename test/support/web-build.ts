/** The web application built as `npm install` builds it, before a suite serves it. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

let built = false;
/** Builds web/ into web/dist when a source is newer (bin/build-web.js --if-stale). */
export function ensureWebBuilt(): string {
  const webRoot = path.join(root, 'web', 'dist');
  if (!built) {
    const result = spawnSync(process.execPath, [path.join(root, 'bin', 'build-web.js'), '--if-stale'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (result.status !== 0)
      throw new Error(`the web application did not build:\n${result.stdout}\n${result.stderr}`);
    built = true;
  }
  return webRoot;
}
