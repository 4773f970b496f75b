/**
 * Bounded retries with exponential backoff and full jitter, so many hub workers that failed at the
 * same moment do not hit the insurer again at the same moment.
 */

export interface RetryPolicy {
  /** Total tries including the first, e.g. `4`. */
  attempts: number;
  /** Delay cap for the first retry in ms, e.g. `200`; doubles each retry. */
  baseDelayMs: number;
  /** Upper bound of any single backoff delay in ms, e.g. `10_000`. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000 };

/** Delay before retry number `retry` (1 = first retry): random in [cap/2, cap], cap = base·2^(retry-1). */
export function backoffDelayMs(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** What to do after a failed try. */
export type RetryDecision =
  | { retry: false }
  | {
      retry: true;
      /** Wait exactly this long (e.g. the insurer's Retry-After) instead of the backoff. */ delayMs?: number;
    };

export interface RetryHooks {
  /** Called before each wait, for logs. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `operation` until it succeeds, `decide` says stop, or the attempts are used up (last error thrown). */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  decide: (error: unknown) => RetryDecision,
  hooks: RetryHooks = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const decision = decide(error);
      if (!decision.retry || attempt >= policy.attempts) throw error;
      const delayMs = decision.delayMs ?? backoffDelayMs(attempt, policy, hooks.random);
      hooks.onRetry?.({ attempt, delayMs, error });
      await (hooks.sleep ?? sleep)(delayMs);
    }
  }
}
