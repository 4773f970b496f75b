import { redactSecrets } from '../config';

/** Bounds a probe in time, so a hung dependency makes /health answer "degraded" instead of hanging. */
export class ProbeTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'ProbeTimeout';
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout(ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One line about why a probe failed, for /health and logs: the error code when there is one
 * (ECONNREFUSED), else the first line of the message, without credentials or stack.
 */
export function describeProblem(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } | null;
  let text: string;
  if (e && Array.isArray(e.errors) && e.errors.length) {
    text = e.errors.map((x) => String(x?.code ?? 'error')).join(', ');
  } else if (e && typeof e.code === 'string' && e.code) {
    text = e.code;
  } else if (e && typeof e.message === 'string') {
    text = e.message.split('\n')[0];
  } else {
    text = String(error);
  }
  return redactSecrets(text).slice(0, 200);
}
