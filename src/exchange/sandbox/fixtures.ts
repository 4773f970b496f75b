/** `__fixtures__/sandbox.yaml`: how an adapter's sandbox publishes and answers (see ./configured.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LoadedAdapter } from '../adapter-config';

export interface SandboxFixtureConfig {
  sftp?: {
    publish?: string[];
    answers?: Record<string, { fixture: string; name?: string }>;
  };
  rest?: Record<string, { fixture?: string; sinceField?: string }>;
  /** The fixture mails (`*.eml`) the e-mail sandbox delivers once; default those that reply to nothing. */
  email?: { publish?: string[] };
}

export function fixturesDir(adapter: LoadedAdapter): string {
  return path.join(adapter.folder, '__fixtures__');
}

export function readSandboxConfig(adapter: LoadedAdapter): SandboxFixtureConfig {
  const file = path.join(fixturesDir(adapter), 'sandbox.yaml');
  if (!fs.existsSync(file)) return {};
  try {
    return (parseYaml(fs.readFileSync(file, 'utf8')) as SandboxFixtureConfig | null) ?? {};
  } catch (e) {
    throw new Error(`${file}: not YAML: ${(e as Error).message}`);
  }
}
