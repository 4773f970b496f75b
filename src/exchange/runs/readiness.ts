/**
 * Whether each message type of an adapter can actually move: an outgoing one needs the hub to
 * build it and a channel or hook to deliver it, an incoming one needs something that fetches it.
 * `ecspert adapter check` says "ready" for a message type only when this finds nothing against it.
 */
import path from 'node:path';
import {
  type AdapterFinding,
  type AdapterLocation,
  canonicalTypeOf,
  checkAdapter,
  loadAdapter,
  type LoadedAdapter,
  type SecretContext,
} from '../adapter-config';
import { type ExchangeHooks, loadHooks } from './hooks';
import { configuredPulls, polledByConfiguration, sentByConfiguration } from './rest-pull';

export interface MessageReadiness {
  name: string;
  direction: 'in' | 'out';
  ready: boolean;
  /** Why not, when not: the error findings about this message type. */
  reasons: string[];
}

export interface AdapterReadiness {
  findings: AdapterFinding[];
  messages: MessageReadiness[];
}

/** Findings about message types that nothing in the hub, the channels or the hook would move. */
export function deliveryFindings(adapter: LoadedAdapter, hooks: ExchangeHooks): AdapterFinding[] {
  const findings: AdapterFinding[] = [];
  const hookFile = path.join(adapter.folder, 'exchange.ts');
  const { sftp, rest } = adapter.channels;
  const pulledByConfig = new Set(configuredPulls(adapter.messages).map(([name]) => name));
  let registerSeen: string | null = null;
  for (const [name, message] of Object.entries(adapter.messages)) {
    const where = `/messages/${name}`;
    const problem = (message: string, at = where) =>
      findings.push({ level: 'error', file: adapter.file, path: at, message });
    const type = canonicalTypeOf(name, message);
    if (message.direction === 'out') {
      if (type !== 'register') {
        problem(`cannot be sent: the hub sends registers only, and nothing builds a '${type}' message`);
      } else if (registerSeen) {
        problem(
          `cannot be sent: '${registerSeen}' is the register the hub sends; a second one is never built`,
        );
      } else if (sentByConfiguration(message) && !hooks.sendRegister) {
        if (!rest) problem('cannot be sent: its request needs channels.rest', `${where}/request`);
      } else if (!sftp && !hooks.sendRegister) {
        problem(
          `cannot be sent: no channel delivers it (add channels.sftp, a request with answerIdPath, or a sendRegister hook in ${hookFile})`,
        );
      }
      if (type === 'register') registerSeen ??= name;
      continue;
    }
    if (pulledByConfig.has(name)) {
      if (!rest) problem('cannot be received: its request needs channels.rest', `${where}/request`);
      continue;
    }
    if (polledByConfiguration(name, message) && !hooks.pollRegisterAnswers) {
      if (!rest) problem('cannot be received: its request needs channels.rest', `${where}/request`);
      continue;
    }
    const overSftp = !!(sftp && message.fileNamePattern);
    const byHook = !!(hooks.pull || (type === 'register-answer' && hooks.pollRegisterAnswers));
    if (!overSftp && !byHook) {
      problem(
        message.request
          ? `cannot be received: ${message.request.method} ${message.request.path} is not fetched by configuration (only a GET without {placeholders} is, or a register answer's with one for the register's id), and no hook in ${hookFile} fetches it`
          : `cannot be received: it has no request and the adapter no SFTP channel, and no hook in ${hookFile} fetches it`,
      );
    }
  }
  return findings;
}

/** Everything `ecspert adapter check` reports: the adapter's own checks, and per message type whether it can move. */
export function adapterReadiness(
  insurer: string,
  context: SecretContext & AdapterLocation,
): AdapterReadiness {
  const findings = checkAdapter(insurer, context);
  let adapter: LoadedAdapter;
  try {
    adapter = loadAdapter(insurer, context);
  } catch {
    return { findings, messages: [] };
  }
  let hooks: ExchangeHooks = {};
  try {
    hooks = loadHooks(adapter);
  } catch (err) {
    findings.push({
      level: 'error',
      file: path.join(adapter.folder, 'exchange.ts'),
      path: '',
      message: `the adapter's hooks cannot be loaded: ${(err as Error).message}`,
    });
  }
  findings.push(...deliveryFindings(adapter, hooks));
  const messages = Object.entries(adapter.messages).map(([name, message]) => {
    // Its own findings, those of the channel it moves over, and of the keys that sign or verify it.
    const channel = message.request ? '/channels/rest' : '/channels/sftp';
    const own = (p: string) => p === `/messages/${name}` || p.startsWith(`/messages/${name}/`);
    const shared = (p: string) =>
      p.startsWith(`${channel}/`) || (!!message.signed && p.startsWith('/signature/'));
    const errors = findings.filter((f) => f.level === 'error');
    const reasons = [
      ...errors.filter((f) => own(f.path)).map((f) => f.message),
      ...errors.filter((f) => shared(f.path)).map((f) => `see ${f.path}`),
    ];
    return { name, direction: message.direction, ready: reasons.length === 0, reasons };
  });
  return { findings, messages };
}
