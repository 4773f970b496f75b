/**
 * Sandbox Dnipro Life: an SFTP account with `/in` and `/out` that behaves like the insurer in
 * spec v3.2. A register uploaded to `/in` with its `.done` marker is answered at once with
 * `/out/ACK_<register name>` and `/out/CONTRACTS_<yyyymmdd>.csv` (see register-answer.ts for the
 * underwriting rule). Samples and payment, commission and amendment files are published on demand.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import {
  ensureKeyPair,
  hookSourceFolder,
  type SandboxHook,
  type SandboxSftpServer,
  startSandboxSftpServer,
} from '../../../src/exchange/sandbox';
import { encodeCsv, formatAmount, formatDate } from './csv-1251';
import { answerRegister, contractsFile, type IssuedContract } from './register-answer';

export { answerRegister, SUM_INSURED_LIMIT_KOPIYKY, type IssuedContract } from './register-answer';
export { decodeCsv, encodeCsv, parseAmount, formatAmount } from './csv-1251';

// The project's adapter folder, also when this hook runs from the build (which copies no fixtures).
export const DNIPRO_LIFE_SAMPLES_DIR = path.join(hookSourceFolder(__dirname), '..', '__fixtures__');

export interface DniproLifeSandboxOptions {
  /** Folder the SFTP account sees as `/`; `in/` and `out/` are created in it. */
  rootDir: string;
  /** The intermediary's public key (OpenSSH), the only one allowed to log in. */
  clientPublicKey: string | Buffer;
  /** default `agency` */
  username?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The insurer's business date 'yyyy-mm-dd' for issue dates and file names; default today (UTC). */
  today?: () => string;
  /** First policy sequence number, default 1001 (`DL-<year>-001001`), clear of the samples' numbers. */
  firstPolicySequence?: number;
  /** SFTP host key (OpenSSH private key); a fresh one when unset, so keep one for a stable fingerprint. */
  hostKey?: string | Buffer;
  /** Answer registers as soon as their marker is written (default true); else call `processInbox()`. */
  answerImmediately?: boolean;
}

export interface PaymentRow {
  policyNumber: string;
  paidOn: string;
  amountKopiyky: number;
  coverFrom: string;
  coverTo: string;
  policyYear: number;
}

export interface CommissionRow {
  policyNumber: string;
  paidOn: string;
  premiumKopiyky: number;
  /** As the insurer writes it, e.g. `25` or `12,5`. */
  ratePct: string;
  commissionKopiyky: number;
}

export interface AmendmentRow {
  policyNumber: string;
  amendmentNumber: number;
  signedOn: string;
  /** `ЗМІНА_СУМИ`, `ЗМІНА_ПРЕМІЇ`, `ЗМІНА_ПЕРІОДИЧНОСТІ`, `ЗМІНА_АГЕНТА`, `РОЗІРВАННЯ` */
  kind: string;
  /** Already in the file's notation (`350 000,00`, `K-00021`, `12`, empty for termination). */
  newValue: string;
  effectiveFrom: string;
}

export interface DniproLifeSandbox {
  sftp: SandboxSftpServer;
  host: string;
  port: number;
  username: string;
  hostKeySha256: string;
  /** Emits `answered` ({ register, ackName, contractsName, accepted, rejected }). */
  events: EventEmitter;
  /** Every contract this sandbox issued, in order. */
  contracts: IssuedContract[];
  /** Answers every register in /in that has its marker and no answer yet. */
  processInbox(): Promise<string[]>;
  /** Resolves once the named register (`REG_….csv`) has been answered. */
  whenAnswered(registerName: string, timeoutMs?: number): Promise<void>;
  /** Copies the spec's sample files (contracts, payments, commission, amendments, ACK) into /out. */
  publishSamples(): Promise<string[]>;
  /** Places any file in /out; `withMarker: false` leaves it "still being written". */
  publishFile(name: string, bytes: Buffer, options?: { withMarker?: boolean }): Promise<void>;
  publishPayments(month: string, rows: PaymentRow[]): Promise<string>;
  publishCommission(month: string, rows: CommissionRow[]): Promise<string>;
  publishAmendments(date: string, rows: AmendmentRow[]): Promise<string>;
  close(): Promise<void>;
}

const REGISTER_NAME = /^REG_[A-Za-z0-9]+_\d{8}_\d{3}\.csv$/;

/** The sandbox's policy numbers run from `DL-<year>-001001`; the demo's are clear of them (src/demo). */
export const FIRST_POLICY_SEQUENCE = 1001;

export async function startDniproLifeSandbox(options: DniproLifeSandboxOptions): Promise<DniproLifeSandbox> {
  const inDir = path.join(options.rootDir, 'in');
  const outDir = path.join(options.rootDir, 'out');
  fs.mkdirSync(inDir, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));
  let sequence = options.firstPolicySequence ?? FIRST_POLICY_SEQUENCE;
  const answered = new Set<string>();
  const contracts: IssuedContract[] = [];
  const events = new EventEmitter();

  const sftp = await startSandboxSftpServer({
    rootDir: options.rootDir,
    clientPublicKey: options.clientPublicKey,
    username: options.username,
    port: options.port,
    hostKey: options.hostKey,
  });

  /** Data first, then the marker; an existing marker is removed while its file is rewritten. */
  async function publishFile(name: string, bytes: Buffer, publishOptions: { withMarker?: boolean } = {}) {
    const file = path.join(outDir, name);
    await fs.promises.rm(`${file}.done`, { force: true });
    await fs.promises.writeFile(file, bytes);
    if (publishOptions.withMarker ?? true) await fs.promises.writeFile(`${file}.done`, '');
  }

  async function answer(registerName: string): Promise<void> {
    if (answered.has(registerName)) return;
    answered.add(registerName);
    const day = today();
    const bytes = await fs.promises.readFile(path.join(inDir, registerName));
    const result = answerRegister(
      bytes,
      day,
      () => `DL-${day.slice(0, 4)}-${String(sequence++).padStart(6, '0')}`,
    );
    contracts.push(...result.contracts);
    const ackName = `ACK_${registerName}`;
    await publishFile(ackName, result.ack);
    let contractsName: string | null = null;
    if (result.contracts.length > 0) {
      // One contracts file per day with every contract issued that day (spec §3).
      contractsName = `CONTRACTS_${day.replace(/-/g, '')}.csv`;
      await publishFile(contractsName, contractsFile(contracts.filter((c) => c.issuedOn === day)));
    }
    events.emit('answered', {
      register: registerName,
      ackName,
      contractsName,
      accepted: result.accepted,
      rejected: result.rejected,
    });
  }

  async function processInbox(): Promise<string[]> {
    const names = await fs.promises.readdir(inDir);
    const ready = names.filter(
      (n) => REGISTER_NAME.test(n) && names.includes(`${n}.done`) && !answered.has(n),
    );
    for (const name of ready) await answer(name);
    return ready;
  }

  if (options.answerImmediately ?? true) {
    sftp.events.on('file-written', (remote: string) => {
      const m = /^\/in\/(.+)\.done$/.exec(remote);
      if (m && REGISTER_NAME.test(m[1]) && fs.existsSync(path.join(inDir, m[1]))) {
        answer(m[1]).catch((err) => events.emit('error', err));
      }
    });
  }

  function whenAnswered(registerName: string, timeoutMs = 10_000): Promise<void> {
    if (answered.has(registerName) && fs.existsSync(path.join(outDir, `ACK_${registerName}.done`))) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        events.off('answered', listener);
        reject(new Error(`sandbox Dnipro Life did not answer ${registerName} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (info: { register: string }) => {
        if (info.register !== registerName) return;
        clearTimeout(timer);
        events.off('answered', listener);
        resolve();
      };
      events.on('answered', listener);
    });
  }

  return {
    sftp,
    host: sftp.host,
    port: sftp.port,
    username: sftp.username,
    hostKeySha256: sftp.hostKeySha256,
    events,
    contracts,
    processInbox,
    whenAnswered,
    publishFile,
    async publishSamples() {
      const names = (await fs.promises.readdir(DNIPRO_LIFE_SAMPLES_DIR)).filter((n) => !n.startsWith('REG_'));
      for (const name of names)
        await publishFile(name, await fs.promises.readFile(path.join(DNIPRO_LIFE_SAMPLES_DIR, name)));
      return names;
    },
    async publishPayments(month, rows) {
      const name = `PAYMENTS_${month.replace('-', '')}.csv`;
      const header = [
        'Номер договору',
        'Дата оплати',
        'Сума',
        'Покриття з',
        'Покриття по',
        'Рік дії договору',
      ];
      await publishFile(
        name,
        encodeCsv(
          header,
          rows.map((r) => [
            r.policyNumber,
            formatDate(r.paidOn),
            formatAmount(r.amountKopiyky),
            formatDate(r.coverFrom),
            formatDate(r.coverTo),
            String(r.policyYear),
          ]),
        ),
      );
      return name;
    },
    async publishCommission(month, rows) {
      const name = `COMMISSION_${month.replace('-', '')}.csv`;
      const header = ['Номер договору', 'Дата оплати', 'Сума премії', 'Ставка, %', 'Сума винагороди'];
      await publishFile(
        name,
        encodeCsv(
          header,
          rows.map((r) => [
            r.policyNumber,
            formatDate(r.paidOn),
            formatAmount(r.premiumKopiyky),
            r.ratePct,
            formatAmount(r.commissionKopiyky),
          ]),
        ),
      );
      return name;
    },
    async publishAmendments(date, rows) {
      const name = `ADDAGR_${date.replace(/-/g, '')}.csv`;
      const header = [
        'Номер договору',
        'Номер дод. угоди',
        'Дата угоди',
        'Тип зміни',
        'Нове значення',
        'Дата набуття чинності',
      ];
      await publishFile(
        name,
        encodeCsv(
          header,
          rows.map((r) => [
            r.policyNumber,
            String(r.amendmentNumber),
            formatDate(r.signedOn),
            r.kind,
            r.newValue,
            formatDate(r.effectiveFrom),
          ]),
        ),
      );
      return name;
    },
    close: () => sftp.close(),
  };
}

/**
 * Dnipro Life's sandbox for `ecspert sandbox dnipro-life` and `exchange run dnipro-life --sandbox`:
 * the generic SFTP sandbox cannot answer a register row by row, this one underwrites it (ACK and
 * contracts files). Keys live in the work folder, so fingerprints survive a restart.
 */
export const sandbox: SandboxHook = {
  async start(options) {
    const rootDir = path.join(options.workDir, 'sftp-root');
    fs.mkdirSync(rootDir, { recursive: true });
    const clientKeyFile = path.join(options.workDir, 'client_ed25519');
    const client = ensureKeyPair(clientKeyFile);
    const host = ensureKeyPair(path.join(options.workDir, 'host_ed25519'));
    const running = await startDniproLifeSandbox({
      rootDir,
      clientPublicKey: client.publicKey,
      hostKey: host.privateKey,
      port: options.port,
    });
    const url = `sftp://${running.username}@${running.host}:${running.port}`;
    const lines = [
      `Dnipro Life sandbox (DNIPRO_LIFE) listening on ${url}`,
      `  host key fingerprint: ${running.hostKeySha256}`,
      `  account root: ${rootDir} (in/ for registers, out/ for the insurer's files)`,
      `  client private key for the adapter: ${clientKeyFile}`,
    ];
    if (options.publishFixtures)
      lines.push(`  samples in /out: ${(await running.publishSamples()).join(', ')}`);
    return {
      url,
      lines,
      overrides: {
        sftp: {
          host: running.host,
          port: running.port,
          username: running.username,
          privateKey: client.privateKey,
          hostKeySha256: running.hostKeySha256,
        },
      },
      close: () => running.close(),
    };
  },
};
