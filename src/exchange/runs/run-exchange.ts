/**
 * One exchange run with an insurer: build a register of the pending applications and deliver what
 * is built, ask about registers still unanswered, take in everything new the insurer has for us
 * (stored raw first), then process what came in. `dryRun` says what would happen and changes nothing.
 */
import { loadAdapter } from '../adapter-config';
import { type ExchangeDeps, processPending, type ProcessReport, receive } from '../pipeline';
import { pullNew } from '../transports';
import { sweepAcceptedNoContract } from '../reconciliation';
import { type ChannelOverrides, openRest, openSftp } from './channels';
import { type ExchangeHookContext, loadHooks, type SentRegister } from './hooks';
import {
  buildRegister,
  type DeliveryOutcome,
  deliverBuiltRegisters,
  previewRegister,
  registerMessage,
} from './register-builder';
import type { MessageTypeConfig, RestRequestConfig } from '../adapter-config';
import {
  configuredPulls,
  pollConfigured,
  polledByConfiguration,
  pullConfigured,
  sendConfigured,
  sentByConfiguration,
  sinceCursor,
} from './rest-pull';
import { ExchangeCursors } from './state';
import { openMailbox, openSmtp, pullMailbox } from './email-channel';
import { mailRegisterSender } from './email-register';

export interface RunOptions {
  dryRun?: boolean;
  overrides?: ChannelOverrides;
  /** The business day, yyyy-mm-dd; today by default. */
  today?: string;
  /** One line per step, for the CLI. */
  onStep?: (line: string) => void;
  /**
   * Called after the mailbox was pulled (e-mail adapters), e.g. to file the new mail as
   * correspondence: the composition point (serve, CLI) passes it, so the exchange never imports
   * the back office.
   */
  afterMailPull?: () => Promise<void>;
}

export interface ExchangeRunReport {
  insurerCode: string;
  dryRun: boolean;
  /** The register built in this run (or that would be, in a dry run). */
  registerBuilt: { fileName: string; applications: number } | null;
  deliveries: DeliveryOutcome[];
  /** Items taken in: file or document names, and whether each was news. */
  received: { name: string; messageId: number | null; duplicate: boolean }[];
  /** Items that could not be fetched or stored this time; they are tried again next run. */
  receiveFailures: { name: string; error: string }[];
  processed: ProcessReport[];
}

async function insurerIdOf(deps: ExchangeDeps, code: string): Promise<number> {
  const row = await deps.database.db
    .selectFrom('insurer')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirst();
  if (!row) throw new RangeError(`insurer ${code} is not in the database: seed or onboard it first`);
  return Number(row.id);
}

export async function runExchange(
  deps: ExchangeDeps,
  insurerCode: string,
  options: RunOptions = {},
): Promise<ExchangeRunReport> {
  const adapter = loadAdapter(insurerCode, { adaptersDir: deps.adaptersDir });
  const code = adapter.insurer.code;
  const insurerId = await insurerIdOf(deps, code);
  const startedAt = new Date();
  const today = options.today ?? startedAt.toISOString().slice(0, 10);
  const step = options.onStep ?? (() => undefined);
  const hooks = loadHooks(adapter);
  const report: ExchangeRunReport = {
    insurerCode: code,
    dryRun: !!options.dryRun,
    registerBuilt: null,
    deliveries: [],
    received: [],
    receiveFailures: [],
    processed: [],
  };
  const sftp = openSftp(deps, adapter, insurerId, options.overrides);
  const rest = openRest(deps, adapter, options.overrides);
  const mailbox = options.dryRun ? null : openMailbox(deps, adapter, insurerId, options.overrides?.email);
  const smtp = openSmtp(deps, adapter, options.overrides?.email);
  const context: ExchangeHookContext = {
    deps,
    adapter,
    insurerId,
    rest,
    sftp,
    today,
    logger: deps.logger,
    cursors: new ExchangeCursors(deps.database, insurerId),
    receive: async (delivery) => {
      // The channel the message came over, whatever other channels the adapter has.
      const channel = delivery.channel ?? (rest ? 'rest' : 'sftp');
      const received = await receive(deps, { ...delivery, insurerCode: code, channel });
      report.received.push({
        name: delivery.fileName,
        messageId: received.message.id,
        duplicate: received.duplicate,
      });
      return received;
    },
  };
  // A channel that fails now is tried again next run; what did come in is still processed.
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      report.receiveFailures.push({ name: what, error: message });
      deps.logger?.warn({ insurer: code, what, error: message }, 'exchange step failed; retried next run');
      step(`${what}: ${message}`);
    }
  };
  try {
    if (options.dryRun) {
      const preview = await previewRegister(deps, adapter, insurerId, today);
      report.registerBuilt = preview
        ? { fileName: preview.fileName, applications: preview.applications.length }
        : null;
      step(
        preview
          ? `would send ${preview.fileName} with ${preview.applications.length} application(s)`
          : 'no pending applications',
      );
      if (sftp) {
        for (const item of await sftp.listNew())
          report.received.push({ name: item.name, messageId: null, duplicate: false });
        step(`${report.received.length} new file(s) waiting in ${adapter.channels.sftp!.paths.out}`);
      }
      if (rest) {
        for (const [name, message] of configuredPulls(adapter.messages)) {
          const since = message.request.since;
          const from = since
            ? ((await context.cursors.get(sinceCursor(name))) ?? since.initial ?? 'the beginning')
            : null;
          step(
            `would fetch ${name}: ${message.request.method} ${message.request.path}${from ? ` changed since ${from}` : ''}`,
          );
        }
      }
      return report;
    }

    const built = await buildRegister(deps, adapter, insurerId, today);
    if (built) {
      report.registerBuilt = { fileName: built.fileName, applications: built.applications.length };
      step(`built ${built.fileName} with ${built.applications.length} application(s)`);
    }
    const register = registerMessage(adapter)?.[1];
    const send = hooks.sendRegister
      ? (fileName: string, payload: Buffer) => hooks.sendRegister!(context, fileName, payload)
      : rest && register && sentByConfiguration(register)
        ? (fileName: string, payload: Buffer) =>
            sendConfigured(
              rest,
              register as typeof register & { request: RestRequestConfig },
              fileName,
              payload,
            )
        : sftp
          ? async (fileName: string, payload: Buffer) => sftp.put({ name: fileName, bytes: payload })
          : smtp
            ? mailRegisterSender(adapter, smtp)
            : null;
    if (send) {
      report.deliveries = await deliverBuiltRegisters(deps, insurerId, send);
      for (const d of report.deliveries)
        step(`${d.registerNo}: ${d.status}${d.error ? ` (${d.error})` : ''}`);
    }

    // Answers first: a policy the insurer issues on being asked is then in this run's pull.
    const answerMessage = Object.entries(adapter.messages).find(([name, m]) =>
      polledByConfiguration(name, m),
    );
    const poll = hooks.pollRegisterAnswers
      ? (registers: SentRegister[]) => hooks.pollRegisterAnswers!(context, registers)
      : rest && answerMessage
        ? (registers: SentRegister[]) =>
            pollConfigured(
              context,
              answerMessage[0],
              answerMessage[1] as MessageTypeConfig & { request: RestRequestConfig },
              registers,
            )
        : null;
    if (poll) {
      // Asked again while any application is unanswered or accepted and not yet issued.
      const unanswered = await deps.database.db
        .selectFrom('application_register as r')
        .select(['r.register_no', 'r.external_id'])
        .where('r.insurer_id', '=', insurerId)
        .where('r.status', 'in', ['sent', 'acknowledged'])
        .where('r.external_id', 'is not', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('application_register_item as i')
              .select('i.id')
              .whereRef('i.register_id', '=', 'r.id')
              .where('i.status', 'in', ['sent', 'accepted']),
          ),
        )
        .orderBy('r.id')
        .execute();
      if (unanswered.length) {
        await attempt('register answers', () =>
          poll(unanswered.map((r) => ({ registerNo: r.register_no, externalId: r.external_id! }))),
        );
      }
    }
    if (sftp) {
      const pulled = await pullNew(sftp, async (item) => {
        await context.receive({
          fileName: item.name,
          externalId: item.externalId,
          payload: item.bytes,
          channel: 'sftp',
        });
      });
      for (const f of pulled.failed)
        report.receiveFailures.push({
          name: f.item.name,
          error: (f.error as Error)?.message ?? String(f.error),
        });
      step(
        `took in ${pulled.stored.length} file(s)${pulled.failed.length ? `, ${pulled.failed.length} to retry` : ''}`,
      );
    }
    if (rest) {
      for (const [name, message] of configuredPulls(adapter.messages)) {
        await attempt(`${name} over REST`, async () => {
          const stored = await pullConfigured(context, name, message, startedAt);
          step(`${name}: took in ${stored} page(s) over REST`);
        });
      }
    }
    if (mailbox) {
      await attempt('mailbox', async () => {
        const pulled = await pullMailbox(deps, adapter, mailbox, (name, messageId, duplicate) =>
          report.received.push({ name, messageId, duplicate }),
        );
        for (const f of pulled.failed)
          report.receiveFailures.push({
            name: f.item.name,
            error: (f.error as Error)?.message ?? String(f.error),
          });
        step(
          `took in ${pulled.stored.length} mail(s)${pulled.failed.length ? `, ${pulled.failed.length} to retry` : ''}`,
        );
      });
      if (options.afterMailPull) await attempt('filing mail', options.afterMailPull);
    }
    if (hooks.pull) {
      await attempt('documents', () => hooks.pull!(context));
      step(`took in ${report.received.length} document(s)`);
    }
    report.processed = await processPending(deps, code);
    await sweepAcceptedNoContract(deps.database, { insurerCode: code }); // accepted, still no contract
    return report;
  } finally {
    await sftp?.close().catch(() => undefined);
    await rest?.close().catch(() => undefined);
    await mailbox?.close().catch(() => undefined);
    smtp?.close();
  }
}
