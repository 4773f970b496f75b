/**
 * One writer per table: each table below is written only by the module that owns it, which others
 * ask through its service. dependency-cruiser sees imports, not SQL, so this reads the product code
 * for statements that write a table (Kysely's insertInto / updateTable / deleteFrom, the dialect's
 * bulk and returning-id inserts, bitemporal changes, raw INSERT / UPDATE / DELETE text) and names
 * every one outside its owner. Migrations (which shape the schema) and bench/ (which loads synthetic
 * volumes for the benchmarks) are not product code paths.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const OWNERS: { owner: string; tables: string[] }[] = [
  {
    owner: 'src/policy-records/',
    tables: [
      'person',
      'application',
      'policy',
      'policy_version',
      'amendment',
      'payment_schedule',
      'premium_payment',
    ],
  },
  {
    owner: 'back-office/network/',
    tables: [
      'unit',
      'unit_structure',
      'consultant',
      'consultant_sponsor',
      'consultant_unit',
      'consultant_career',
      'consultant_activity_status',
    ],
  },
  { owner: 'back-office/catalogue/', tables: ['insurer', 'product'] },
  { owner: 'src/exchange/reconciliation/', tables: ['mismatch', 'agent_code_alias'] },
  { owner: 'src/jobs/', tables: ['job_record'] },
  {
    owner: 'back-office/correspondence/',
    tables: [
      'correspondence_thread',
      'correspondence_letter',
      'correspondence_letter_attachment',
      'correspondence_filing_lock',
    ],
  },
];
const FOLDERS = ['src', 'back-office', 'bin', 'adapters'];

function patterns(tables: string[]): RegExp[] {
  const names = tables.join('|');
  const table = `['"\`](${names})['"\`]`;
  return [
    // trx.insertInto('person'), .updateTable('application as a'), .deleteFrom("policy")
    new RegExp(
      `\\.(insertInto|updateTable|deleteFrom|mergeInto|replaceInto)\\(\\s*['"\`](${names})( as \\w+)?['"\`]`,
      'g',
    ),
    // dialect.bulkInsert(trx, 'policy', …), insertReturningId(db, 'person', …), any helper(x, 'table', rows)
    new RegExp(
      `\\b(bulkInsert|bulkInsertEach|insertReturningId|insertIgnoringDuplicates|insertBatches|recordBitemporal)\\(\\s*[\\w.]+\\s*,\\s*${table}`,
      'g',
    ),
    // raw SQL text
    new RegExp(
      `\\b(insert\\s+into|update|delete\\s+from)\\s+"?(${names})"?\\s+(set|values|\\(|where|select|as)\\b`,
      'gi',
    ),
  ];
}

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

const POLICY_TABLES = OWNERS[0].tables;

function writesIn(text: string, tables = POLICY_TABLES): string[] {
  const found: string[] = [];
  for (const pattern of patterns(tables))
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      found.push(`${line}: ${match[0].replace(/\s+/g, ' ')}`);
    }
  return found;
}

describe('one writer per table', () => {
  it.each(OWNERS.map((o) => [o.owner, o] as const))(
    'only %s writes its tables',
    (_name, { owner, tables }) => {
      const outside = FOLDERS.flatMap(sourceFiles)
        .filter((file) => !file.startsWith(owner))
        .flatMap((file) =>
          writesIn(fs.readFileSync(path.join(root, file), 'utf8'), tables).map((w) => `${file}:${w}`),
        );
      expect(outside).toEqual([]);
    },
  );

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
    expect(
      writesIn("await recordBitemporal(trx, 'consultant_sponsor', 'consultant_id', id, v, when)", [
        'consultant_sponsor',
      ]),
    ).toHaveLength(1);
    // The owners' own files do write: the scan would see them.
    for (const { owner, tables } of OWNERS) {
      const ownWrites = sourceFiles(owner.slice(0, -1)).flatMap((f) =>
        writesIn(fs.readFileSync(path.join(root, f), 'utf8'), tables),
      );
      expect(ownWrites.length).toBeGreaterThan(1);
    }
  });
});
