/**
 * Demo data: `seedDemo` fills an empty database with a believable Ukrainian insurance intermediary
 * (three insurers from the spec sheets, ~200 consultants in a six-level sponsor tree across three
 * branches, ~2,000 policies with versions, amendments, payment calendars and six months of premium
 * payments, open production periods, and one login per role with a generated password, returned
 * once in the summary's `logins`). The same seed always gives the same agency (passwords aside).
 */
import type { Database, IsoDate } from '../db';
import { buildDemoData } from './generate';
import { type DemoSummary, type ProgressListener, writeDemo } from './write';

export { buildDemoData, DEFAULT_SEED, DEFAULT_TODAY, type DemoData } from './generate';
export { SEED_STEPS, type DemoLogin, type DemoSummary, type ProgressListener } from './write';
export { Random } from './random';

export interface SeedDemoOptions {
  /** Seed of the random generator; the same seed gives the same data. */
  seed?: number;
  /** The day the demo is "now", yyyy-mm-dd; payments fill the six whole months before its month. */
  today?: IsoDate;
  onProgress?: ProgressListener;
}

/** Raised when the database already has a network: the demo only fills an empty database. */
export class DemoSeedRefusedError extends Error {
  constructor(readonly consultants: number) {
    super(
      `demo seed refused: the database already has ${consultants} consultant(s); ` +
        'the demo seed only fills an empty database (start from a fresh database to load the demo)',
    );
    this.name = 'DemoSeedRefusedError';
  }
}

async function consultantCount(db: Database['db']): Promise<number> {
  const row = await db
    .selectFrom('consultant')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** True when the database already holds any consultant (seeded or real). */
export async function isDemoSeeded(database: Database): Promise<boolean> {
  return (await consultantCount(database.db)) > 0;
}

/**
 * Builds the demo agency and writes it in one transaction, so a failure leaves nothing behind.
 * Refuses (DemoSeedRefusedError) when consultants already exist.
 */
export async function seedDemo(database: Database, options: SeedDemoOptions = {}): Promise<DemoSummary> {
  const existing = await consultantCount(database.db);
  if (existing > 0) throw new DemoSeedRefusedError(existing);
  const data = buildDemoData({ seed: options.seed, today: options.today });
  return database.db.transaction().execute(async (trx) => {
    // Checked again inside the transaction in case two seeds raced.
    const raced = await consultantCount(trx);
    if (raced > 0) throw new DemoSeedRefusedError(raced);
    return writeDemo(trx, database.dialect, data, options.onProgress);
  });
}
