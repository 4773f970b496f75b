/**
 * Passwords hashed with scrypt (node:crypto, memory-hard, no native dependency): a random salt per
 * password, and the parameters kept with the hash, so they can be raised later without breaking
 * the hashes already stored. Compared in constant time.
 *
 *     scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>
 */
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

/** N = 2^15, r = 8: 32 MiB and some 50–100 ms per hash on a server. */
export const SCRYPT_PARAMETERS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** The shortest password accepted. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  // Memory needed is 128 * N * r bytes; maxmem must exceed it.
  const maxmem = 128 * (options.N ?? 16384) * (options.r ?? 8) * 2;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = SCRYPT_PARAMETERS;
  const hash = await derive(password, salt, { N, r, p }, KEY_LENGTH);
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** A stored hash that no password matches, to spend the same time when a login does not exist. */
let dummyHash: Promise<string> | null = null;
function dummy(): Promise<string> {
  return (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));
}

/** True when `password` matches `stored`; a missing or malformed hash matches nothing (same time spent). */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  const parsed = parts.length === 6 && parts[0] === 'scrypt';
  const [, n, r, p, salt, hash] = parsed ? parts : (await dummy()).split('$');
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (![N, R, P].every((v) => Number.isInteger(v) && v > 0) || N > 2 ** 20 || R > 32 || P > 16) return false;
  const expected = Buffer.from(hash, 'base64');
  if (expected.length < 16) return false;
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N, r: R, p: P }, expected.length);
  return timingSafeEqual(actual, expected) && parsed;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `a password needs at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `a password has at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}

/** A password to hand over once: 20 characters of letters and digits (about 119 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let out = '';
  for (const byte of bytes) {
    // 57 letters: reject the top of the byte range so every letter is equally likely.
    if (byte >= 228) continue;
    out += alphabet[byte % alphabet.length];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}
