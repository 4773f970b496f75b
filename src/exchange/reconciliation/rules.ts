/**
 * Reconciliation settings per insurer, from its adapter (adapters/<insurer>/adapter.yaml,
 * `reconciliation:`): how many days an accepted application may wait for its contract, and the
 * auto-resolution rules applied when a mismatch is raised (for example: ignore premium differences
 * of at most one kopiyka).
 */
import { kopiykyFromDecimal } from '../../db';
import { loadAdapter, type ReconciliationConfig } from '../adapter-config';

/** Days an accepted application waits for its contract when the adapter does not say. */
export const DEFAULT_ACCEPTED_NO_CONTRACT_DAYS = 14;

const cache = new Map<string, ReconciliationConfig>();

/** The adapter's reconciliation settings; none when the insurer has no adapter here. */
export function reconciliationConfig(insurerCode: string): ReconciliationConfig {
  let config = cache.get(insurerCode);
  if (!config) {
    try {
      config = loadAdapter(insurerCode).reconciliation ?? {};
    } catch {
      config = {};
    }
    cache.set(insurerCode, config);
  }
  return config;
}

export function acceptedNoContractDays(insurerCode: string): number {
  return reconciliationConfig(insurerCode).acceptedNoContractDays ?? DEFAULT_ACCEPTED_NO_CONTRACT_DAYS;
}

function kop(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  try {
    return kopiykyFromDecimal(value.replace(/\s/g, '').replace(',', '.'));
  } catch {
    return null;
  }
}

/** The rule that settles a new mismatch by itself, with words for its trail, or null. */
export function autoRuleFor(
  insurerCode: string,
  m: { kind: string; insurerValue?: string | null; ourValue?: string | null },
): string | null {
  for (const rule of reconciliationConfig(insurerCode).autoResolve ?? []) {
    if (rule.kind !== m.kind) continue;
    if (rule.maxDifferenceKop !== undefined) {
      const theirs = kop(m.insurerValue);
      const ours = kop(m.ourValue);
      if (theirs === null || ours === null || Math.abs(theirs - ours) > rule.maxDifferenceKop) continue;
      return `${rule.action} by the rule of ${insurerCode}'s adapter: ${m.kind} of at most ${rule.maxDifferenceKop} kopiyka(s)${rule.comment ? ` (${rule.comment})` : ''}`;
    }
    return `${rule.action} by the rule of ${insurerCode}'s adapter: every ${m.kind}${rule.comment ? ` (${rule.comment})` : ''}`;
  }
  return null;
}
