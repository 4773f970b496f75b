/**
 * The embedded database belongs to one process. PGlite keeps the database in its own memory and
 * writes its folder as it pleases: a second process opening the same folder works on its own copy,
 * and whatever it writes is lost (or corrupts the folder) when the first one writes back. So the
 * process that opens the folder holds a lock file beside it (`<folder>.lock`, e.g. data/db.lock) with
 * its pid; a second process is refused with a message naming the owner. A lock left by a process
 * that died without removing it (kill -9, a crash, a reboot) is taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the lock file says about its owner. */
export interface LockOwner {
  pid: number;
  /** The owner's start time in clock ticks since boot (Linux), so a reused pid is not taken for it. */
  startTicks: number | null;
  host: string;
  /** The command line, e.g. `ecspert start`. */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** The API the owner serves, when it serves one (e.g. http://127.0.0.1:3000). */
  api?: string;
}

/** Another live process holds the embedded database. */
export class DatabaseLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: LockOwner,
    dataDir: string,
  ) {
    const through = owner.api ? `use its API at ${owner.api}` : 'use the API of the server it runs';
    super(
      `the embedded database ${dataDir} is in use by process ${owner.pid}${owner.host === os.hostname() ? '' : ` on ${owner.host}`} (${owner.command}, since ${owner.since}): ` +
        `stop that process first, or ${through}, or set DATABASE_URL to a PostgreSQL database that several processes can share`,
    );
    this.name = 'DatabaseLockedError';
  }
}

export interface HeldLock {
  readonly file: string;
  /** Adds what the owner offers (its API address) for the refusal message of other processes. */
  note(details: { api?: string }): void;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
function startTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote the lock still runs (the same process, not a reused pid). */
function alive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true; // a folder shared over the network: cannot tell, keep off
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.startTicks !== null) {
    const ticks = startTicks(owner.pid);
    if (ticks !== null && ticks !== owner.startTicks) return false;
  }
  return true;
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner?.pid) ? owner : null;
  } catch {
    return null; // gone, or half-written by a process that died while writing it
  }
}

function describeCommand(): string {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const script = path.basename(process.argv[1] ?? 'node');
  return /ecspert/.test(script) ? ['ecspert', ...args].join(' ') : `${script} ${args.join(' ')}`.trim();
}

/**
 * Takes the lock of the embedded database in `dataDir`, or throws DatabaseLockedError naming the live
 * process that holds it. The lock is removed on release() and when this process exits normally.
 */
export function lockEmbeddedDatabase(dataDir: string): HeldLock {
  const resolved = path.resolve(dataDir);
  const file = `${resolved}.lock`;
  const me: LockOwner = {
    pid: process.pid,
    startTicks: startTicks(process.pid),
    host: os.hostname(),
    command: describeCommand(),
    since: new Date().toISOString(),
  };
  const write = (target: string, flag: 'wx' | 'w') =>
    fs.writeFileSync(target, `${JSON.stringify(me)}\n`, { flag, mode: 0o644 });

  for (let attempt = 0; ; attempt++) {
    try {
      write(file, 'wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
    }
    const owner = readOwner(file);
    if (owner && alive(owner)) throw new DatabaseLockedError(file, owner, resolved);
    // A dead owner's lock (or an unreadable one, left half-written): move it aside atomically, so
    // that of two processes taking over at once only one removes it, then try again.
    const aside = `${file}.stale-${process.pid}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue; // someone else moved it first
    }
    const moved = readOwner(aside);
    if (moved && alive(moved)) {
      // Between our look and the move a live process took it over: give it back.
      try {
        fs.linkSync(aside, file);
      } catch {
        // A third process holds it now; either way it is not ours.
      }
      fs.rmSync(aside, { force: true });
      throw new DatabaseLockedError(file, moved, resolved);
    }
    fs.rmSync(aside, { force: true });
  }

  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return {
    file,
    note(details) {
      if (!held) return;
      Object.assign(me, details);
      write(file, 'w');
    },
    release,
  };
}
