/**
 * One writer per table: persons, applications, policies, policy versions, amendments, payment
 * calendars and premium payments are written only by src/policy-records. dependency-cruiser sees
 * imports, not SQL, so this reads the product code for statements that write those tables
 * (Kysely's insertInto / updateTable / deleteFrom, the dialect's bulk and returning-id inserts, raw
 * INSERT / UPDATE / DELETE text) and names every one outside the owner. Migrations (which shape the
 * schema) and bench/ (which loads synthetic volumes for the benchmarks) are not product code paths.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const OWNER = 'src/policy-records/';
const TABLES = [
  'person',
  'application',
  'policy',
  'policy_version',
  'amendment',
  'payment_schedule',
  'premium_payment',
];
const FOLDERS = ['src', 'back-office', 'bin', 'adapters'];

const table = `['"\`](${TABLES.join('|')})['"\`]`;
const WRITES = [
  // trx.insertInto('person'), .updateTable('application as a'), .deleteFrom("policy")
  new RegExp(
    `\\.(insertInto|updateTable|deleteFrom|mergeInto|replaceInto)\\(\\s*['"\`](${TABLES.join('|')})( as \\w+)?['"\`]`,
    'g',
  ),
  // dialect.bulkInsert(trx, 'policy', …), insertReturningId(db, 'person', …), any helper(x, 'table', rows)
  new RegExp(
    `\\b(bulkInsert|bulkInsertEach|insertReturningId|insertIgnoringDuplicates|insertBatches|recordBitemporal)\\(\\s*[\\w.]+\\s*,\\s*${table}`,
    'g',
  ),
  // raw SQL text
  new RegExp(
    `\\b(insert\\s+into|update|delete\\s+from)\\s+"?(${TABLES.join('|')})"?\\s+(set|values|\\(|where|select|as)\\b`,
    'gi',
  ),
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', '__fixtures__'].includes(entry.name)) out.push(...sourceFiles(rel));
    } else if (/\.(ts|js|cjs|mjs)$/.test(entry.name)) out.push(rel);
  }
  return out;
}

function writesIn(text: string): string[] {
  const found: string[] = [];
  for (const pattern of WRITES)
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      found.push(`${line}: ${match[0].replace(/\s+/g, ' ')}`);
    }
  return found;
}

describe('one writer per table', () => {
  it('only src/policy-records writes persons, applications, policies, versions, amendments, calendars and payments', () => {
    const outside = FOLDERS.flatMap(sourceFiles)
      .filter((file) => !file.startsWith(OWNER))
      .flatMap((file) => writesIn(fs.readFileSync(path.join(root, file), 'utf8')).map((w) => `${file}:${w}`));
    expect(outside).toEqual([]);
  });

  it('the check finds each kind of write (it is not blind)', () => {
    expect(writesIn("await trx.updateTable('application').set({ status: 'sent' })")).toHaveLength(1);
    expect(writesIn("await ctx.trx\n  .insertInto('person')\n  .values(row)")).toHaveLength(1);
    expect(writesIn("await dialect.bulkInsert(\n  ctx.trx,\n  'policy_version',\n  rows,\n)")).toHaveLength(
      1,
    );
    expect(writesIn("await database.dialect.insertReturningId(trx, 'amendment', values, key)")).toHaveLength(
      1,
    );
    expect(writesIn('await sql`update premium_payment set amount = 0`.execute(db)')).toHaveLength(1);
    expect(writesIn("insertBatches(trx, 'payment_schedule', rows)")).toHaveLength(1);
    // Reading is open to everyone; a look-alike table name is another table.
    expect(writesIn("trx.selectFrom('application').select('id')")).toEqual([]);
    expect(writesIn("trx.updateTable('application_register').set({ status: 'sent' })")).toEqual([]);
    // The owner's own files do write: the scan would see them.
    const ownWrites = sourceFiles('src/policy-records').flatMap((f) =>
      writesIn(fs.readFileSync(path.join(root, f), 'utf8')),
    );
    expect(ownWrites.length).toBeGreaterThan(5);
  });
});
