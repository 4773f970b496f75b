/**
 * A real SFTP server for the sandbox insurer: ssh2's Server with an SFTP subsystem confined to one
 * root folder, key-based login only, on loopback. Insurer sandboxes build on it (dnipro-life/) and
 * listen to its `file-written` events the way an insurer's pickup job would watch its inbox.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Server, utils, type Connection, type ParsedKey, type SFTPWrapper } from 'ssh2';

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

export interface SandboxSftpServerOptions {
  /** The folder the account sees as `/`, e.g. `/tmp/dnipro-life`. */
  rootDir: string;
  /** The only public key allowed to log in, OpenSSH format (`ssh-ed25519 AAAA…`). */
  clientPublicKey: string | Buffer;
  /** Account name, default `agency`. */
  username?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Host key; a fresh ed25519 key when unset. */
  hostKey?: string | Buffer;
}

export interface SandboxSftpServer {
  host: string;
  port: number;
  username: string;
  /** `SHA256:<base64>` of the host key, for the client's host key pinning. */
  hostKeySha256: string;
  rootDir: string;
  /**
   * Emits `file-written` (remotePath) when a written file is closed or a file is renamed into place,
   * and `file-opened` (remotePath) when a file is opened for reading.
   */
  events: EventEmitter;
  /** Remote paths the client tried to delete (always refused: the insurer's files stay). */
  removeAttempts: string[];
  /** Test knob: opening this remote path for reading gets no answer at all (a hung server). */
  stallOpen(remotePath: string | null): void;
  /**
   * Test knob: listings and stat of this remote path report `size` whatever the file holds (a server
   * that lies, or a file still growing after it was listed); null stops it.
   */
  reportSize(remotePath: string, size: number | null): void;
  /** Bytes the server has sent in answer to reads, per remote path. */
  bytesServed: Map<string, number>;
  close(): Promise<void>;
}

/** Maps a client path to a local one, or null when it would leave the root. */
export function confinedPath(rootDir: string, remotePath: string): string | null {
  if (remotePath.includes('\0')) return null;
  const stack: string[] = [];
  for (const segment of remotePath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0) return null;
      stack.pop();
    } else stack.push(segment);
  }
  return path.join(rootDir, ...stack);
}

function toRemote(rootDir: string, local: string): string {
  return '/' + path.relative(rootDir, local).split(path.sep).join('/');
}

function attrsOf(stat: fs.Stats) {
  return {
    mode: stat.mode,
    uid: stat.uid,
    gid: stat.gid,
    size: stat.size,
    atime: Math.floor(stat.atimeMs / 1000),
    mtime: Math.floor(stat.mtimeMs / 1000),
  };
}

/** `ls -l` style line: ssh2-sftp-client reads the entry type from its first character. */
function longname(name: string, stat: fs.Stats, size = stat.size): string {
  const type = stat.isDirectory() ? 'd' : '-';
  return `${type}rw-r--r-- 1 sandbox sandbox ${size} Jan 01 00:00 ${name}`;
}

type Handle =
  | { kind: 'file'; fd: number; local: string; writable: boolean }
  | { kind: 'dir'; local: string; done: boolean };

interface ServerState {
  removeAttempts: string[];
  stalledPath: string | null;
  reportedSizes: Map<string, number>;
  bytesServed: Map<string, number>;
}

function serveSftp(sftp: SFTPWrapper, rootDir: string, events: EventEmitter, state: ServerState): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  const newHandle = (h: Handle) => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id, 0);
    return buf;
  };
  const fail = (reqId: number, err: unknown) => {
    const code = (err as NodeJS.ErrnoException)?.code;
    sftp.status(
      reqId,
      code === 'ENOENT'
        ? STATUS_CODE.NO_SUCH_FILE
        : code === 'EACCES'
          ? STATUS_CODE.PERMISSION_DENIED
          : STATUS_CODE.FAILURE,
    );
  };
  const resolve = (reqId: number, remote: string): string | null => {
    const local = confinedPath(rootDir, remote);
    if (local === null) sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED, 'path leaves the account root');
    return local;
  };

  sftp.on('REALPATH', (reqId, remote) => {
    const local = resolve(reqId, remote);
    if (local === null) return;
    const name = toRemote(rootDir, local).replace(/\/$/, '') || '/';
    sftp.name(reqId, [{ filename: name, longname: name, attrs: {} as never }]);
  });
  const attrsAt = (local: string, stat: fs.Stats) => {
    const attrs = attrsOf(stat);
    const reported = state.reportedSizes.get(toRemote(rootDir, local));
    return reported === undefined ? attrs : { ...attrs, size: reported };
  };
  const statHandler = (reqId: number, remote: string) => {
    const local = resolve(reqId, remote);
    if (local === null) return;
    fs.lstat(local, (err, stat) => (err ? fail(reqId, err) : sftp.attrs(reqId, attrsAt(local, stat))));
  };
  sftp.on('STAT', statHandler);
  sftp.on('LSTAT', statHandler);
  sftp.on('FSTAT', (reqId, buf) => {
    const h = handleOf(buf);
    if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE);
    fs.fstat(h.fd, (err, stat) => (err ? fail(reqId, err) : sftp.attrs(reqId, attrsAt(h.local, stat))));
  });
  sftp.on('OPEN', (reqId, remote, flags) => {
    const local = resolve(reqId, remote);
    if (local === null) return;
    const writable = (flags & OPEN_MODE.WRITE) !== 0;
    if (!writable && toRemote(rootDir, local) === state.stalledPath) return;
    let mode = writable ? 'r+' : 'r';
    if (writable && flags & OPEN_MODE.CREAT)
      mode = flags & OPEN_MODE.EXCL ? 'wx' : flags & OPEN_MODE.TRUNC ? 'w' : 'a';
    if (writable && flags & OPEN_MODE.APPEND) mode = 'a';
    fs.open(local, mode, (err, fd) => {
      if (err) return fail(reqId, err);
      if (!writable) events.emit('file-opened', toRemote(rootDir, local));
      sftp.handle(reqId, newHandle({ kind: 'file', fd, local, writable }));
    });
  });
  sftp.on('READ', (reqId, buf, offset, length) => {
    const h = handleOf(buf);
    if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE);
    const data = Buffer.alloc(length);
    fs.read(h.fd, data, 0, length, offset, (err, n) => {
      if (err) return fail(reqId, err);
      if (n === 0) return sftp.status(reqId, STATUS_CODE.EOF);
      const remote = toRemote(rootDir, h.local);
      state.bytesServed.set(remote, (state.bytesServed.get(remote) ?? 0) + n);
      sftp.data(reqId, data.subarray(0, n));
    });
  });
  sftp.on('WRITE', (reqId, buf, offset, data) => {
    const h = handleOf(buf);
    if (h?.kind !== 'file' || !h.writable) return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED);
    fs.write(h.fd, data, 0, data.length, offset, (err) =>
      err ? fail(reqId, err) : sftp.status(reqId, STATUS_CODE.OK),
    );
  });
  sftp.on('OPENDIR', (reqId, remote) => {
    const local = resolve(reqId, remote);
    if (local === null) return;
    fs.stat(local, (err, stat) => {
      if (err) return fail(reqId, err);
      if (!stat.isDirectory()) return sftp.status(reqId, STATUS_CODE.FAILURE, 'not a directory');
      sftp.handle(reqId, newHandle({ kind: 'dir', local, done: false }));
    });
  });
  sftp.on('READDIR', (reqId, buf) => {
    const h = handleOf(buf);
    if (h?.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE);
    if (h.done) return sftp.status(reqId, STATUS_CODE.EOF);
    h.done = true;
    const entries = fs.readdirSync(h.local).map((filename) => {
      const local = path.join(h.local, filename);
      const stat = fs.lstatSync(local);
      const attrs = attrsAt(local, stat);
      return { filename, longname: longname(filename, stat, attrs.size), attrs };
    });
    if (entries.length === 0) return sftp.status(reqId, STATUS_CODE.EOF);
    sftp.name(reqId, entries);
  });
  sftp.on('CLOSE', (reqId, buf) => {
    const h = handleOf(buf);
    if (!h) return sftp.status(reqId, STATUS_CODE.FAILURE);
    handles.delete(buf.readUInt32BE(0));
    if (h.kind === 'dir') return sftp.status(reqId, STATUS_CODE.OK);
    fs.close(h.fd, (err) => {
      if (err) return fail(reqId, err);
      sftp.status(reqId, STATUS_CODE.OK);
      if (h.writable) events.emit('file-written', toRemote(rootDir, h.local));
    });
  });
  sftp.on('RENAME', (reqId, from, to) => {
    const src = resolve(reqId, from);
    if (src === null) return;
    const dst = resolve(reqId, to);
    if (dst === null) return;
    // SFTP v3 rename never overwrites (draft-ietf-secsh-filexfer-02 §6.5).
    if (fs.existsSync(dst)) return sftp.status(reqId, STATUS_CODE.FAILURE, 'target exists');
    fs.rename(src, dst, (err) => {
      if (err) return fail(reqId, err);
      sftp.status(reqId, STATUS_CODE.OK);
      events.emit('file-written', toRemote(rootDir, dst));
    });
  });
  sftp.on('REMOVE', (reqId, remote) => {
    const local = resolve(reqId, remote);
    if (local === null) return;
    const rel = toRemote(rootDir, local);
    // The intermediary may clean up its own uploads in /in; the insurer's files elsewhere stay.
    if (!rel.startsWith('/in/')) {
      state.removeAttempts.push(rel);
      return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED, 'files here are kept by the insurer');
    }
    fs.unlink(local, (err) => (err ? fail(reqId, err) : sftp.status(reqId, STATUS_CODE.OK)));
  });
  for (const op of ['MKDIR', 'RMDIR', 'SETSTAT', 'FSETSTAT', 'READLINK', 'SYMLINK'] as const) {
    sftp.on(op as 'MKDIR', (reqId: number) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));
  }
}

/**
 * An ed25519 key pair that ssh2 can read back: now and then ssh2 generates a private key its own
 * parser calls malformed, so a key is made again until it parses (a few tries at most).
 */
export function generateEd25519KeyPair(): { private: string; public: string } {
  for (let attempt = 1; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return pair;
    if (attempt >= 10) throw new Error('ssh2 made 10 unreadable ed25519 keys in a row');
  }
}

export async function startSandboxSftpServer(options: SandboxSftpServerOptions): Promise<SandboxSftpServer> {
  const username = options.username ?? 'agency';
  const allowed = utils.parseKey(options.clientPublicKey);
  if (allowed instanceof Error)
    throw new Error(`sandbox SFTP: client public key unreadable: ${allowed.message}`);
  const allowedKey = allowed as ParsedKey;
  const hostKey = options.hostKey ?? generateEd25519KeyPair().private;
  const parsedHost = utils.parseKey(hostKey);
  if (parsedHost instanceof Error)
    throw new Error(`sandbox SFTP: host key unreadable: ${parsedHost.message}`);
  const hostKeySha256 =
    'SHA256:' + createHash('sha256').update(parsedHost.getPublicSSH()).digest('base64').replace(/=+$/, '');
  const rootDir = fs.realpathSync(options.rootDir);
  const events = new EventEmitter();
  const state: ServerState = {
    removeAttempts: [],
    stalledPath: null,
    reportedSizes: new Map(),
    bytesServed: new Map(),
  };
  const clients = new Set<Connection>();

  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => clients.delete(client));
    client.on('authentication', (ctx) => {
      const expected = allowedKey.getPublicSSH();
      if (
        ctx.method !== 'publickey' ||
        ctx.username !== username ||
        ctx.key.algo !== allowedKey.type ||
        ctx.key.data.length !== expected.length ||
        !timingSafeEqual(ctx.key.data, expected)
      ) {
        return ctx.reject(['publickey']);
      }
      if (ctx.signature && ctx.blob && allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
        return ctx.reject(['publickey']);
      }
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => serveSftp(acceptSftp(), rootDir, events, state));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    host: '127.0.0.1',
    port: address.port,
    username,
    hostKeySha256,
    rootDir,
    events,
    removeAttempts: state.removeAttempts,
    bytesServed: state.bytesServed,
    reportSize: (remotePath, size) => {
      if (size === null) state.reportedSizes.delete(remotePath);
      else state.reportedSizes.set(remotePath, size);
    },
    stallOpen: (remotePath) => {
      state.stalledPath = remotePath;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}
