import fs from 'node:fs';
import path from 'node:path';
import { generateEd25519KeyPair } from './sftp-server';

/** An ed25519 key pair kept in `file` and `file.pub`, made on first use so fingerprints stay stable. */
export function ensureKeyPair(file: string): { privateKey: string; publicKey: string } {
  if (!fs.existsSync(file)) {
    const pair = generateEd25519KeyPair();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, pair.private, { mode: 0o600 });
    fs.writeFileSync(`${file}.pub`, pair.public + '\n');
  }
  return {
    privateKey: fs.readFileSync(file, 'utf8'),
    publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim(),
  };
}
