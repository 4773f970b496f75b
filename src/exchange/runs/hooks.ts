/**
 * Adapter hooks: the small pieces of an insurer's exchange that configuration cannot say, such as a
 * call whose path takes an id from an earlier answer, or a statement asked for by month. Ordinary
 * REST calls (paging, cursors, since) are adapter.yaml's (rest-pull.ts). Hooks live in
 * `adapters/<insurer>/exchange.ts`, so adding an insurer never edits src/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { LoadedAdapter } from '../adapter-config';
import { projectRoot } from '../mapping';
import type { Delivery, ExchangeDeps, Received } from '../pipeline';
import type { Channel } from '../message-store';
import type { RestTransport, SftpTransport } from '../transports';
import type { ExchangeCursors } from './state';

export interface ExchangeHookContext {
  deps: ExchangeDeps;
  adapter: LoadedAdapter;
  insurerId: number;
  rest: RestTransport | null;
  sftp: SftpTransport | null;
  /**
   * Stores what came in (raw, before anything parses it), under the channel it came over: `rest`
   * unless `channel` says otherwise (a hook that reads an SFTP folder passes `sftp`).
   */
  receive(delivery: Omit<Delivery, 'insurerCode' | 'channel'> & { channel?: Channel }): Promise<Received>;
  cursors: ExchangeCursors;
  /** The business day of the run, yyyy-mm-dd. */
  today: string;
  logger?: Logger;
}

export interface SentRegister {
  registerNo: string;
  /** The insurer's id for it (a batch id). */
  externalId: string;
}

export interface ExchangeHooks {
  /** Delivers a built register; answers the insurer's id for it. Without it the register goes by SFTP. */
  sendRegister?(
    context: ExchangeHookContext,
    fileName: string,
    payload: Buffer,
  ): Promise<{ externalId: string }>;
  /** Asks the insurer how the registers sent and not yet fully answered stand. */
  pollRegisterAnswers?(context: ExchangeHookContext, registers: SentRegister[]): Promise<void>;
  /** Fetches whatever the insurer has for us that is not pushed to a folder (REST adapters). */
  pull?(context: ExchangeHookContext): Promise<void>;
}

/** The adapter's hooks, or none when its exchange is configuration only (a plain SFTP insurer). */
export function loadHooks(adapter: LoadedAdapter): ExchangeHooks {
  for (const full of hookFiles(adapter.folder)) {
    if (fs.existsSync(full)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(full) as { hooks?: ExchangeHooks };
      if (!mod.hooks) throw new Error(`${full} exports no 'hooks'`);
      return mod.hooks;
    }
  }
  return {};
}

/**
 * Where an adapter's hooks may be, in order: `<folder>/<name>.ts`, then `.js`, for each name (default
 * `exchange`; the sandbox asks for `sandbox/index` and `sandbox`). When this code runs from the build
 * (dist/, which the command runs only while no source is newer), the built copy of the hook comes
 * first: it imports the built modules, not a second copy of the sources (an error class from the
 * sources would not be the build's), and needs no TypeScript loader. A hook added after the build
 * makes the command run the sources (bin/build-state.js).
 */
export function hookFiles(folder: string, names: readonly string[] = ['exchange']): string[] {
  const candidates = names.flatMap((name) => [
    path.join(folder, `${name}.ts`),
    path.join(folder, `${name}.js`),
  ]);
  if (!__filename.endsWith('.js')) return candidates;
  const root = projectRoot();
  const relative = path.relative(root, folder);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return candidates;
  return [...names.map((name) => path.join(root, 'dist', relative, `${name}.js`)), ...candidates];
}

/**
 * The project folder a hook's own files are in (its fixtures, its keys), wherever the hook runs
 * from: a built hook (dist/adapters/<insurer>/…) finds them in adapters/<insurer>/…, which the
 * build does not copy. Call it with the hook's `__dirname`.
 */
export function hookSourceFolder(dirname: string): string {
  const root = projectRoot();
  const relative = path.relative(path.join(root, 'dist'), dirname);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return dirname;
  return path.join(root, relative);
}
