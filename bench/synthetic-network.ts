/**
 * The synthetic intermediary the calculation benchmarks share: one insurer with the ten products
 * of the spec sheets, and a deterministic sponsor tree (half the recruits under the previous
 * consultant, making deep chains; the rest anywhere), with initial careers.
 */
import type { Kysely } from 'kysely';
import { OPEN_END, STILL_KNOWN } from '../src/db';

export const LEVELS = ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'];

const PRODUCTS: [string, string][] = [
  ['DL-SAV10', 'savings'],
  ['DL-SAV20', 'savings'],
  ['DL-RISK1', 'term_life'],
  ['KASKO-STD', 'motor'],
  ['KASKO-PRM', 'motor'],
  ['PROP-HOME', 'property'],
  ['ACC-FAM', 'accident'],
  ['TRV-EU', 'travel'],
  ['ACC-IND', 'accident'],
  ['OSCPV', 'mtpl'],
];

/** A deterministic pseudo-random sequence, so every run builds the same network. */
function* random(seed: number): Generator<number> {
  let x = seed >>> 0;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 4294967296;
  }
}

export interface SyntheticNetwork {
  /** Index of each consultant's sponsor, -1 for the top. */
  sponsor: Int32Array;
  /** Generations below the top. */
  depth: Int32Array;
  level: string[];
}

export function syntheticNetwork(consultants: number, maxDepth: number): SyntheticNetwork {
  const rnd = random(42);
  const depth = new Int32Array(consultants);
  const sponsor = new Int32Array(consultants).fill(-1);
  for (let i = 1; i < consultants; i++) {
    let s = rnd.next().value < 0.5 ? i - 1 : Math.floor(rnd.next().value * i);
    while (depth[s] >= maxDepth - 1) s = Math.floor(rnd.next().value * i);
    sponsor[i] = s;
    depth[i] = depth[s] + 1;
  }
  const level = Array.from({ length: consultants }, (_, i) => {
    if (i === 0) return 'DIRECTOR';
    const r = rnd.next().value;
    return LEVELS[r < 0.6 ? 0 : r < 0.8 ? 1 : r < 0.9 ? 2 : r < 0.97 ? 3 : 4];
  });
  return { sponsor, depth, level };
}

/** Insurer 1 with its products, one policyholder, and the network's consultants, sponsors and careers. */
export async function seedSyntheticIntermediary(
  db: Kysely<any>,
  network: SyntheticNetwork,
  recorded: Date,
): Promise<void> {
  await db
    .insertInto('insurer')
    .values({ code: 'BENCH', name: 'Bench insurer', created_at: recorded })
    .execute();
  for (const [code, group] of PRODUCTS) {
    await db
      .insertInto('product')
      .values({ insurer_id: 1, code, name: code, product_group: group })
      .execute();
  }
  await db
    .insertInto('person')
    .values({ person_kind: 'individual', full_name: 'Bench holder', created_at: recorded })
    .execute();
  const fact = {
    valid_from: '2025-01-01',
    valid_to: OPEN_END,
    recorded_at: recorded,
    superseded_at: STILL_KNOWN,
    recorded_by: 'bench',
    reason: null,
  };
  const consultants = network.sponsor.length;
  const BATCH = 5000;
  for (let from = 0; from < consultants; from += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, consultants - from) }, (_, k) => from + k);
    await db
      .insertInto('consultant')
      .values(
        ids.map((i) => ({
          id: i + 1,
          code: `K-${String(i + 1).padStart(6, '0')}`,
          full_name: `Консультант ${i + 1}`,
          legal_form: 'individual',
          hired_on: '2025-01-01',
          created_at: recorded,
        })),
      )
      .execute();
    await db
      .insertInto('consultant_sponsor')
      .values(
        ids.map((i) => ({
          consultant_id: i + 1,
          sponsor_id: network.sponsor[i] < 0 ? null : network.sponsor[i] + 1,
          ...fact,
        })),
      )
      .execute();
    await db
      .insertInto('consultant_career')
      .values(
        ids.map((i) => ({
          consultant_id: i + 1,
          level_code: network.level[i],
          source: 'initial',
          approved_by: null,
          approved_at: null,
          ...fact,
        })),
      )
      .execute();
  }
}
