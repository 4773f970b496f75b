/**
 * The catalogue module on both engines: insurers and products added, changed and read (filters,
 * sorting, "as of date D"), every write audited, bad input refused naming the field and changing
 * nothing; the sync from an adapter folder's catalogue.yaml (idempotent, errors naming file and
 * path); the real catalogue files agreeing with the demo; and career levels from a registered plan.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import {
  addInsurer,
  addProduct,
  CatalogueError,
  listInsurers,
  listProducts,
  productsOf,
  syncCatalogue,
  updateInsurer,
  updateProduct,
} from '../../../back-office/catalogue';
import { DEFAULT_PLAN_PATH, registerPlan } from '../../../back-office/compensation';
import { recordManualCareerChange } from '../../../back-office/periods';
import type { DB } from '../../../src/db';
import { INSURERS, PRODUCTS } from '../../../src/demo/reference';
import { describeEachEngine } from '../../support/engines';
import { oracleCompileDatabase } from '../../support/oracle-compile';
import { up as catalogueMigration } from '../../../migrations/0610_catalogue';

const who = { recordedBy: 'olena', reason: 'agency agreement signed' };

async function auditOf(db: Kysely<DB>, entityId: string) {
  return db
    .selectFrom('audit_log')
    .select(['actor', 'action', 'reason'])
    .where('entity_id', '=', entityId)
    .orderBy('id')
    .execute();
}

/** An adapters folder of its own with one insurer whose catalogue the test writes. */
function adaptersWith(catalogue: string, adapterCode = 'LVIV_RE'): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
  mkdirSync(path.join(dir, 'lviv-re'));
  writeFileSync(
    path.join(dir, 'lviv-re/adapter.yaml'),
    `insurer:\n  code: ${adapterCode}\n  name: ТДВ «Львів Ре»\n  companyCode: "12345678"\n`,
  );
  const file = path.join(dir, 'lviv-re/catalogue.yaml');
  writeFileSync(file, catalogue);
  return { dir, file };
}

const LVIV_CATALOGUE = `insurer:
  code: LVIV_RE
  name: ТДВ «Львів Ре»
  companyCode: '12345678'
  contacts: { person: Ірина Коваль, email: partners@lviv-re.example, phone: '+380 32 000 00 00' }
products:
  - { code: LR-HOME, name: Дім, productGroup: property, lineOfBusiness: property, termYears: 1, firstYearRatePct: '22', renewalRatePct: '22' }
  - { code: LR-TRIP, name: Подорож, productGroup: travel, lineOfBusiness: medical, validFrom: '2026-01-01', validTo: '2026-07-01' }
`;

describeEachEngine('catalogue', (ctx) => {
  it('adds an insurer with its author and reason in the audit log, and refuses a second of the same code with 409', async () => {
    const added = await addInsurer(
      ctx.database,
      {
        code: 'UNIQA',
        name: 'ПрАТ «СК «УНІКА»»',
        companyCode: '20033533',
        contactEmail: 'b2b@uniqa.example',
      },
      who,
    );
    expect(added).toMatchObject({ code: 'UNIQA', companyCode: '20033533', active: true, updatedAt: null });
    expect(await auditOf(ctx.database.db, 'UNIQA')).toEqual([
      { actor: 'olena', action: 'insurer.add', reason: 'agency agreement signed' },
    ]);
    await expect(addInsurer(ctx.database, { code: 'UNIQA', name: 'again' }, who)).rejects.toMatchObject({
      statusCode: 409,
      field: 'code',
    });
  });

  it('refuses a bad ЄДРПОУ, e-mail or missing reason naming the field, and writes nothing', async () => {
    const refused = async (work: () => Promise<unknown>) => {
      const error = await work().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CatalogueError);
      return error as CatalogueError;
    };
    expect(
      (await refused(() => addInsurer(ctx.database, { code: 'ARX', name: 'АРКС', companyCode: '123' }, who)))
        .field,
    ).toBe('companyCode');
    expect(
      (
        await refused(() =>
          addInsurer(ctx.database, { code: 'ARX', name: 'АРКС', contactEmail: 'nobody' }, who),
        )
      ).field,
    ).toBe('contactEmail');
    expect(
      (await refused(() => addInsurer(ctx.database, { code: 'ARX', name: 'АРКС' }, { ...who, reason: ' ' })))
        .field,
    ).toBe('reason');
    expect(
      (await refused(() => addInsurer(ctx.database, { code: 'arx', name: 'АРКС' }, who))).message,
    ).toMatch(/^code: 'arx' is not an insurer code/);
    expect((await listInsurers(ctx.database, { page: 1, pageSize: 50, q: 'arx' })).total).toBe(0);
    expect(await auditOf(ctx.database.db, 'ARX')).toEqual([]);
  });

  it('changes only what differs, and a change to the same values is no change (no audit line)', async () => {
    const first = await updateInsurer(
      ctx.database,
      'UNIQA',
      { contactPhone: '+380 44 225 00 00', active: false },
      who,
    );
    expect(first.changed).toEqual(['contactPhone', 'active']);
    expect(first.record).toMatchObject({ active: false, contactPhone: '+380 44 225 00 00' });
    expect(first.record.updatedAt).toBeInstanceOf(Date);
    const again = await updateInsurer(ctx.database, 'UNIQA', { contactPhone: '+380 44 225 00 00' }, who);
    expect(again.changed).toEqual([]);
    expect((await auditOf(ctx.database.db, 'UNIQA')).map((a) => a.action)).toEqual([
      'insurer.add',
      'insurer.update',
    ]);
    await expect(updateInsurer(ctx.database, 'NOBODY', { name: 'x' }, who)).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('lists insurers filtered by active and text, sorted either way, paged', async () => {
    await addInsurer(ctx.database, { code: 'ARX', name: 'ПрАТ «СК «АРКС»' }, who);
    await addInsurer(ctx.database, { code: 'TAS', name: 'СГ «ТАС»' }, who);
    const all = await listInsurers(ctx.database, { page: 1, pageSize: 2, sort: '-code' });
    expect(all.total).toBe(3);
    expect(all.items.map((i) => i.code)).toEqual(['UNIQA', 'TAS']);
    expect(
      (await listInsurers(ctx.database, { page: 1, pageSize: 50, active: false })).items.map((i) => i.code),
    ).toEqual(['UNIQA']);
    expect(
      (await listInsurers(ctx.database, { page: 1, pageSize: 50, q: 'аркс' })).items.map((i) => i.code),
    ).toEqual(['ARX']);
    expect(
      (await listInsurers(ctx.database, { page: 1, pageSize: 50, sort: 'name' })).items.map((i) => i.code),
    ).toEqual(['ARX', 'UNIQA', 'TAS']);
  });

  it('keeps products with the dates they are sold between, read as of a date', async () => {
    await addProduct(
      ctx.database,
      'ARX',
      {
        code: 'ARX-CASCO',
        name: 'КАСКО',
        productGroup: 'motor',
        lineOfBusiness: 'motor',
        firstYearRatePct: '14.5',
      },
      who,
    );
    await addProduct(
      ctx.database,
      'ARX',
      {
        code: 'ARX-OLD',
        name: 'Старе КАСКО',
        productGroup: 'motor',
        validFrom: '2020-01-01',
        validTo: '2026-01-01',
      },
      who,
    );
    const asOf = async (date: string) =>
      (await listProducts(ctx.database, { page: 1, pageSize: 50, insurer: 'ARX', asOf: date })).items.map(
        (p) => p.code,
      );
    expect(await asOf('2025-12-31')).toEqual(['ARX-CASCO', 'ARX-OLD']);
    expect(await asOf('2026-01-01')).toEqual(['ARX-CASCO']);
    expect(await asOf('2019-12-31')).toEqual(['ARX-CASCO']);
    const [casco] = (await listProducts(ctx.database, { page: 1, pageSize: 50, q: 'casco', sort: 'code' }))
      .items;
    expect(casco).toMatchObject({
      insurerCode: 'ARX',
      firstYearRatePct: '14.5',
      renewalRatePct: null,
      active: true,
    });
    await expect(
      updateProduct(ctx.database, 'ARX', 'ARX-OLD', { validTo: '2019-06-01' }, who),
    ).rejects.toMatchObject({ field: 'validTo', statusCode: 422 });
    await expect(
      addProduct(ctx.database, 'ARX', { code: 'ARX-X', name: 'x', productGroup: 'pets' }, who),
    ).rejects.toMatchObject({ field: 'productGroup' });
    await expect(
      addProduct(ctx.database, 'ARX', { code: 'ARX-CASCO', name: 'x', productGroup: 'motor' }, who),
    ).rejects.toMatchObject({ statusCode: 409 });
    const changed = await updateProduct(
      ctx.database,
      'ARX',
      'ARX-CASCO',
      { firstYearRatePct: '14.50', active: false },
      who,
    );
    expect(changed.changed).toEqual(['active']);
    expect((await auditOf(ctx.database.db, 'ARX/ARX-CASCO')).map((a) => a.action)).toEqual([
      'product.add',
      'product.update',
    ]);
    expect(
      (await listProducts(ctx.database, { page: 1, pageSize: 50, insurer: 'ARX', active: true })).items.map(
        (p) => p.code,
      ),
    ).toEqual(['ARX-OLD']);
  });

  it('syncs an insurer from catalogue.yaml in its adapter folder; a second sync changes nothing and says so', async () => {
    const { dir, file } = adaptersWith(LVIV_CATALOGUE);
    const first = await syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: dir, recordedBy: 'olena' });
    expect(first).toMatchObject({
      insurer: 'LVIV_RE',
      insurerAction: 'added',
      added: ['LR-HOME', 'LR-TRIP'],
      changed: [],
      changedAnything: true,
    });
    const second = await syncCatalogue(ctx.database, 'LVIV_RE', { adaptersDir: dir, recordedBy: 'olena' });
    expect(second).toMatchObject({
      insurerAction: 'unchanged',
      added: [],
      changed: [],
      unchanged: ['LR-HOME', 'LR-TRIP'],
      changedAnything: false,
    });
    // The insurer's rate changes and a product is dropped from the file: changed, and the other left.
    writeFileSync(
      file,
      LVIV_CATALOGUE.replace("firstYearRatePct: '22'", "firstYearRatePct: '24'").replace(
        / {2}- \{ code: LR-TRIP.*\n/,
        '',
      ),
    );
    const third = await syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: dir, recordedBy: 'olena' });
    expect(third).toMatchObject({
      insurerAction: 'unchanged',
      changed: [{ code: 'LR-HOME', fields: ['firstYearRatePct'] }],
      notInFile: ['LR-TRIP'],
      changedAnything: true,
    });
    const audit = await auditOf(ctx.database.db, 'LVIV_RE/LR-HOME');
    expect(audit.at(-1)).toEqual({
      actor: 'olena',
      action: 'product.update',
      reason: expect.stringMatching(/^synchronised from .*lviv-re\/catalogue\.yaml$/),
    });
  });

  it('two syncs of a new insurer at once: one adds it, the other finds it there', async () => {
    const { dir } = adaptersWith(
      LVIV_CATALOGUE.replaceAll('LVIV_RE', 'LVIV_TWO').replaceAll('LR-', 'L2-'),
      'LVIV_TWO',
    );
    const reports = await Promise.all([
      syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: dir, recordedBy: 'olena' }),
      syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: dir, recordedBy: 'taras' }),
    ]);
    expect(reports.map((r) => r.insurerAction).sort()).toEqual(['added', 'unchanged']);
    expect(await productsOf(ctx.database, 'LVIV_TWO')).toHaveLength(2);
    expect((await auditOf(ctx.database.db, 'LVIV_TWO')).map((a) => a.action)).toEqual(['insurer.add']);
  });

  it('refuses a bad catalogue file naming the file and the path, and changes nothing', async () => {
    const { dir } = adaptersWith(
      LVIV_CATALOGUE.replace('LVIV_RE', 'LVIV_RE2').replace("companyCode: '12345678'", "companyCode: '1234'"),
    );
    await expect(
      syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: dir, recordedBy: 'olena' }),
    ).rejects.toThrow(/lviv-re\/catalogue\.yaml at \/insurer\/companyCode: must match pattern/);
    const wrongInsurer = adaptersWith(LVIV_CATALOGUE.replace('code: LVIV_RE', 'code: LVIV_RE2'));
    await expect(
      syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: wrongInsurer.dir, recordedBy: 'olena' }),
    ).rejects.toThrow(
      /catalogue\.yaml at \/insurer\/code: 'LVIV_RE2' is not the insurer of this adapter folder/,
    );
    const twice = adaptersWith(LVIV_CATALOGUE.replace('LR-TRIP', 'LR-HOME').replace('LVIV_RE', 'LVIV_RE'));
    await expect(
      syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: twice.dir, recordedBy: 'olena' }),
    ).rejects.toThrow(/at \/products\/1\/code: LR-HOME is listed twice/);
    expect((await listInsurers(ctx.database, { page: 1, pageSize: 50, q: 'LVIV_RE2' })).total).toBe(0);
    const missing = mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
    mkdirSync(path.join(missing, 'lviv-re'));
    writeFileSync(path.join(missing, 'lviv-re/adapter.yaml'), 'insurer:\n  code: LVIV_RE\n');
    await expect(
      syncCatalogue(ctx.database, 'lviv-re', { adaptersDir: missing, recordedBy: 'olena' }),
    ).rejects.toThrow(/lviv-re\/catalogue\.yaml: not found/);
    await expect(
      syncCatalogue(ctx.database, 'nobody', { adaptersDir: missing, recordedBy: 'olena' }),
    ).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it("syncs the real adapters' catalogues, which agree with the demo's insurers and products", async () => {
    for (const folder of ['dnipro-life', 'karpaty']) {
      const report = await syncCatalogue(ctx.database, folder, { recordedBy: 'olena' });
      expect(report.file).toBe(`adapters/${folder}/catalogue.yaml`);
      const demoInsurer = INSURERS.find((i) => i.code === report.insurer)!;
      const [insurer] = (await listInsurers(ctx.database, { page: 1, pageSize: 1, q: report.insurer })).items;
      expect(insurer).toMatchObject({ name: demoInsurer.name, companyCode: demoInsurer.companyCode });
      const products = await productsOf(ctx.database, report.insurer);
      const demo = PRODUCTS.filter((p) => p.insurer === report.insurer);
      expect(products.map((p) => p.code).sort()).toEqual(demo.map((p) => p.code).sort());
      for (const p of demo) {
        expect(products.find((q) => q.code === p.code)).toMatchObject({
          name: p.name,
          productGroup: p.group,
          termYears: p.termYears,
          firstYearRatePct: p.firstYearRatePct,
          renewalRatePct: p.renewalRatePct,
        });
      }
    }
  });

  it('a plan registered with a level the demo did not insert makes a manual career change to it possible', async () => {
    const at = new Date('2026-03-01T00:00:00Z');
    await ctx.database.db
      .insertInto('consultant')
      .values({
        code: 'K-09001',
        full_name: 'Тарас Мельник',
        legal_form: 'individual',
        hired_on: '2025-01-01',
        created_at: at,
      })
      .execute();
    const change = {
      consultantCode: 'K-09001',
      levelCode: 'PARTNER',
      validFrom: '2026-03-01',
      reason: 'рішення правління',
      recordedBy: 'olena',
    };
    await expect(recordManualCareerChange(ctx.database, change)).rejects.toThrow(
      /career level 'PARTNER' is not known/,
    );

    const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    const file = path.join(dir, 'partner.plan.yaml');
    writeFileSync(
      file,
      readFileSync(DEFAULT_PLAN_PATH, 'utf8')
        .replace("version: '2026.1'", "version: '2026.2'")
        .replace(
          '  - { code: DIRECTOR, name: Директор, personalRate: 70 }',
          '  - { code: DIRECTOR, name: Директор, personalRate: 70 }\n  - { code: PARTNER, name: Партнер, personalRate: 75 }',
        ),
    );
    await registerPlan(ctx.database, file, { loadedBy: 'olena' });
    const levels = await ctx.database.db
      .selectFrom('career_level')
      .select(['code', 'name', 'rank_order'])
      .orderBy('rank_order')
      .execute();
    expect(levels.map((l) => [l.code, Number(l.rank_order)])).toEqual([
      ['CONSULTANT', 1],
      ['SENIOR_CONSULTANT', 2],
      ['MANAGER', 3],
      ['SENIOR_MANAGER', 4],
      ['DIRECTOR', 5],
      ['PARTNER', 6],
    ]);
    expect(await auditOf(ctx.database.db, 'PARTNER')).toEqual([
      { actor: 'olena', action: 'career_level.add', reason: 'levels of plan UA-NETWORK version 2026.2' },
    ]);
    await expect(recordManualCareerChange(ctx.database, change)).resolves.toMatchObject({
      consultantId: expect.any(Number),
    });
    // Registering the same plan again adds nothing.
    await registerPlan(ctx.database, file, { loadedBy: 'olena' });
    expect(await auditOf(ctx.database.db, 'PARTNER')).toHaveLength(1);
  });

  it('a draft plan does not add levels', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    const file = path.join(dir, 'draft.plan.yaml');
    writeFileSync(
      file,
      readFileSync(DEFAULT_PLAN_PATH, 'utf8')
        .replace("version: '2026.1'", "version: '2027.0-draft'")
        .replace(
          '  - { code: DIRECTOR, name: Директор, personalRate: 70 }',
          '  - { code: DIRECTOR, name: Директор, personalRate: 70 }\n  - { code: PRESIDENT, name: Президент, personalRate: 80 }',
        ),
    );
    await registerPlan(ctx.database, file, { status: 'draft', loadedBy: 'olena' });
    const level = await ctx.database.db
      .selectFrom('career_level')
      .select('code')
      .where('code', '=', 'PRESIDENT')
      .executeTakeFirst();
    expect(level).toBeUndefined();
  });
});

describe('catalogue SQL on Oracle (compiled, no server)', () => {
  it('adds the catalogue columns with ALTER TABLE … ADD (…), as Oracle wants', async () => {
    const { database, recorder } = oracleCompileDatabase();
    const { db, dialect } = database;
    await catalogueMigration({ db, types: dialect.types, dialect });
    expect(recorder.sql).toHaveLength(2);
    expect(recorder.sql[0]).toMatch(/^alter table "insurer" add \("contact_person" varchar2\(200 char\), /);
    expect(recorder.sql[1]).toMatch(
      /"active" number\(10\) default 1 not null check \("active" in \(0, 1\)\)/,
    );
    for (const statement of recorder.sql) expect(statement).not.toMatch(/add column|boolean/i);
    await db.destroy();
  });

  it('pages with OFFSET … FETCH and filters dates without PostgreSQL-only syntax', async () => {
    const { database, recorder } = oracleCompileDatabase((statement) =>
      /count\(\*\)/i.test(statement) ? [{ total: 0 }] : [],
    );
    await listInsurers(database, { page: 2, pageSize: 10, active: true, q: 'x', sort: '-name' });
    await listProducts(database, {
      page: 1,
      pageSize: 10,
      insurer: 'ARX',
      asOf: '2026-03-01',
      q: 'y',
      sort: 'validFrom',
    });
    for (const statement of recorder.sql) {
      expect(statement).not.toMatch(/\blimit\b|\bilike\b|::|\$\d|\bboolean\b/i);
    }
    expect(recorder.sql[0]).toMatch(/offset :\d+ rows fetch (first|next) :\d+ rows only$/i);
    expect(recorder.sql[2]).toMatch(/"p"\."valid_from" is null or "p"\."valid_from" <= :\d+/);
    await database.close();
  });
});
