/**
 * Contest ranking, pure: order the eligible consultants by score, break ties by the contest's stated
 * keys, give equal places to those still equal after every key (standard competition ranking:
 * 1, 1, 3), then award prizes by place (top N) or by threshold.
 */
import { kopiykyFromDecimal } from '../../src/db/money';

export type TieBreakKey = 'newPolicies' | 'personalVolume' | 'groupVolume' | 'hiredOn' | 'code';

/**
 * A prize: what it is, and for a money prize its amount in hryvnias (exact decimal text), which the
 * calculation of the contest's last period posts to the winner's ledger.
 */
export interface ContestPrizes {
  /** Prizes by place: everyone sharing the place gets it. */
  top?: { place: number; prize: string; amount?: string }[];
  /** Prizes by score reached (exact decimal text); the highest threshold reached wins. */
  thresholds?: { min: string; prize: string; amount?: string }[];
}

export interface ContestEntry {
  consultantId: number;
  code: string;
  hiredOn: string;
  /** The score in millionths (points, hryvnias or counts x 1 000 000). */
  scoreU: bigint;
  newPolicies: number;
  personalVolumeU: bigint;
  groupVolumeU: bigint;
}

export interface Standing {
  place: number;
  consultantId: number;
  code: string;
  score: string;
  prize: string | null;
  /** The money the prize pays, in kopiyky; null for a prize in kind (or none). */
  prizeKop: number | null;
  /** Which stated key decided the order against the one above, for the reader. */
  decidedBy: string | null;
}

const U = 1_000_000n;

/** Exact decimal text ('12.5', '3') in millionths; digits past the sixth decimal are cut off. */
function microUnitsOf(text: string): bigint {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`'${text}' is not a decimal number`);
  const [, sign, whole, fraction = ''] = m;
  const units = BigInt(whole) * U + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
  return sign === '-' ? -units : units;
}

/** Millionths as the shortest exact decimal text: 12_500_000n → '12.5', 3_000_000n → '3'. */
function textOfMicroUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const fraction = (abs % U).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / U}${fraction ? `.${fraction}` : ''}`;
}

function compareKey(a: ContestEntry, b: ContestEntry, key: TieBreakKey): number {
  switch (key) {
    case 'newPolicies':
      return b.newPolicies - a.newPolicies;
    case 'personalVolume':
      return a.personalVolumeU === b.personalVolumeU ? 0 : b.personalVolumeU > a.personalVolumeU ? 1 : -1;
    case 'groupVolume':
      return a.groupVolumeU === b.groupVolumeU ? 0 : b.groupVolumeU > a.groupVolumeU ? 1 : -1;
    case 'hiredOn': // the longer-serving consultant first
      return a.hiredOn < b.hiredOn ? -1 : a.hiredOn > b.hiredOn ? 1 : 0;
    case 'code':
      return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  }
}

export function rankEntries(
  entries: ContestEntry[],
  tieBreak: TieBreakKey[],
  prizes: ContestPrizes = {},
): Standing[] {
  const cmpScore = (a: ContestEntry, b: ContestEntry) =>
    a.scoreU === b.scoreU ? 0 : b.scoreU > a.scoreU ? 1 : -1;
  const full = (a: ContestEntry, b: ContestEntry) => {
    const s = cmpScore(a, b);
    if (s) return s;
    for (const key of tieBreak) {
      const c = compareKey(a, b, key);
      if (c) return c;
    }
    return 0;
  };
  const sorted = [...entries].sort((a, b) => full(a, b) || a.consultantId - b.consultantId);
  const thresholds = [...(prizes.thresholds ?? [])]
    .map((t) => ({ ...t, minU: microUnitsOf(t.min) }))
    .sort((a, b) => (a.minU > b.minU ? -1 : 1));
  const standings: Standing[] = [];
  sorted.forEach((entry, i) => {
    const previous = sorted[i - 1];
    const tied = previous && full(previous, entry) === 0;
    const place = tied ? standings[i - 1].place : i + 1;
    let decidedBy: string | null = null;
    if (previous && !tied && cmpScore(previous, entry) === 0) {
      decidedBy = tieBreak.find((k) => compareKey(previous, entry, k) !== 0) ?? null;
    }
    const won = prizes.top?.find((p) => p.place === place) ?? thresholds.find((t) => entry.scoreU >= t.minU);
    standings.push({
      place,
      consultantId: entry.consultantId,
      code: entry.code,
      score: textOfMicroUnits(entry.scoreU),
      prize: won?.prize ?? null,
      prizeKop: won?.amount === undefined ? null : kopiykyFromDecimal(won.amount),
      decidedBy: tied ? 'shared place' : decidedBy,
    });
  });
  return standings;
}
