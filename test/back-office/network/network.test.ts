import {
  careerHistory,
  careerLevelAsOf,
  changeSponsor,
  changeUnit,
  downlineAsOf,
  NetworkRuleError,
  recordCareerChange,
  sponsorTreeAsOf,
  unitOfConsultantAsOf,
  uplineAsOf,
} from '../../../back-office/network';
import { type Database, OPEN_END, STILL_KNOWN } from '../../../src/db';
import { describeEachEngine } from '../../support/engines';

const hiredAt = new Date('2026-01-01T08:00:00Z');

/** A small network: Andriy at the top; Bohdan and Vira recruited by him; Halyna recruited by Bohdan. */
async function seedNetwork(database: Database) {
  const { db } = database;
  const ids: Record<string, number> = {};
  await db
    .insertInto('unit')
    .values([
      { code: 'KYIV', name: 'Київ', city: 'Київ', created_at: hiredAt },
      { code: 'LVIV', name: 'Львів', city: 'Львів', created_at: hiredAt },
    ])
    .execute();
  await db
    .insertInto('career_level')
    .values([
      { code: 'CONSULTANT', name: 'Консультант', rank_order: 1 },
      { code: 'MANAGER', name: 'Менеджер', rank_order: 3 },
    ])
    .execute();
  const people = [
    ['A', 'Андрій Шевчук'],
    ['B', 'Богдан Коваль'],
    ['V', 'Віра Мельник'],
    ['H', 'Галина Бондар'],
  ];
  for (const [code, name] of people) {
    await db
      .insertInto('consultant')
      .values({
        code,
        full_name: name,
        tax_number: null,
        legal_form: 'individual',
        email: null,
        phone: null,
        hired_on: '2026-01-01',
        terminated_on: null,
        created_at: hiredAt,
      })
      .execute();
  }
  for (const row of await db.selectFrom('consultant').select(['id', 'code']).execute())
    ids[row.code] = row.id;
  const kyiv = (await db.selectFrom('unit').select('id').where('code', '=', 'KYIV').executeTakeFirstOrThrow())
    .id;
  const sponsorOf: Record<string, string | null> = { A: null, B: 'A', V: 'A', H: 'B' };
  for (const [code, sponsor] of Object.entries(sponsorOf)) {
    const base = {
      valid_from: '2026-01-01',
      valid_to: OPEN_END,
      recorded_at: hiredAt,
      superseded_at: STILL_KNOWN,
      recorded_by: 'seed',
      reason: null,
    };
    await db
      .insertInto('consultant_sponsor')
      .values({ ...base, consultant_id: ids[code], sponsor_id: sponsor ? ids[sponsor] : null })
      .execute();
    await db
      .insertInto('consultant_unit')
      .values({ ...base, consultant_id: ids[code], unit_id: kyiv })
      .execute();
    await db
      .insertInto('consultant_career')
      .values({
        ...base,
        consultant_id: ids[code],
        level_code: 'CONSULTANT',
        source: 'initial',
        approved_by: null,
        approved_at: null,
      })
      .execute();
  }
  return ids;
}

describeEachEngine('network as of a date', (ctx) => {
  let ids: Record<string, number>;
  const movedAt = new Date('2026-10-20T09:00:00Z');

  beforeAll(async () => {
    ids = await seedNetwork(ctx.database);
    // Halyna moves from Bohdan to Vira on 15 October; the office enters it on 20 October.
    await changeSponsor(ctx.database, ids.H, ids.V, {
      validFrom: '2026-10-15',
      recordedAt: movedAt,
      recordedBy: 'clerk.olena',
      reason: 'заява консультанта про зміну спонсора',
    });
  });

  const sponsorIn = (tree: { code: string; sponsorId: number | null }[], code: string) =>
    tree.find((n) => n.code === code)?.sponsorId;

  it('shows the old tree before a mid-month sponsor change and the new one after', async () => {
    const before = await sponsorTreeAsOf(ctx.database, '2026-10-14');
    expect(before.map((n) => `${n.code}@${n.depth}`)).toEqual(['A@0', 'B@1', 'V@1', 'H@2']);
    expect(sponsorIn(before, 'H')).toBe(ids.B);
    const after = await sponsorTreeAsOf(ctx.database, '2026-10-15');
    expect(sponsorIn(after, 'H')).toBe(ids.V);
    expect(after).toHaveLength(4);
  });

  it('answers as it was known before the change was entered', async () => {
    const knownThen = await sponsorTreeAsOf(ctx.database, '2026-10-16', new Date('2026-10-19T00:00:00Z'));
    expect(sponsorIn(knownThen, 'H')).toBe(ids.B);
    const knownNow = await sponsorTreeAsOf(ctx.database, '2026-10-16');
    expect(sponsorIn(knownNow, 'H')).toBe(ids.V);
  });

  it('walks the upline nearest first, and the downline by generation', async () => {
    expect((await uplineAsOf(ctx.database, ids.H, '2026-10-01')).map((n) => [n.code, n.generation])).toEqual([
      ['B', 1],
      ['A', 2],
    ]);
    expect((await uplineAsOf(ctx.database, ids.H, '2026-10-31')).map((n) => n.code)).toEqual(['V', 'A']);
    expect(await uplineAsOf(ctx.database, ids.A, '2026-10-31')).toEqual([]);
    expect((await downlineAsOf(ctx.database, ids.B, '2026-10-01')).map((n) => n.code)).toEqual(['H']);
    expect(await downlineAsOf(ctx.database, ids.B, '2026-10-31')).toEqual([]);
    expect(
      (await downlineAsOf(ctx.database, ids.A, '2026-10-31')).map((n) => `${n.code}/${n.generation}`),
    ).toEqual(['B/1', 'V/1', 'H/2']);
  });

  it('keeps the history: the superseded row is still there, and the change is in the audit log', async () => {
    const rows = await ctx.database.db
      .selectFrom('consultant_sponsor')
      .selectAll()
      .where('consultant_id', '=', ids.H)
      .orderBy('recorded_at')
      .orderBy('valid_from')
      .execute();
    expect(
      rows.map((r) => [
        r.sponsor_id,
        r.valid_from,
        r.valid_to,
        r.superseded_at.getTime() === STILL_KNOWN.getTime(),
      ]),
    ).toEqual([
      [ids.B, '2026-01-01', OPEN_END, false],
      [ids.B, '2026-01-01', '2026-10-15', true],
      [ids.V, '2026-10-15', OPEN_END, true],
    ]);
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'consultant.sponsor_changed')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe('clerk.olena');
    expect(ctx.database.dialect.readJson<{ sponsorId: number }>(audit[0].after_state)?.sponsorId).toBe(ids.V);
  });

  it('refuses a sponsor change that would make the network loop', async () => {
    await expect(
      changeSponsor(ctx.database, ids.A, ids.H, {
        validFrom: '2026-11-01',
        recordedAt: new Date(),
        recordedBy: 'clerk.olena',
      }),
    ).rejects.toThrow(NetworkRuleError);
    await expect(
      changeSponsor(ctx.database, ids.A, ids.A, {
        validFrom: '2026-11-01',
        recordedAt: new Date(),
        recordedBy: 'clerk.olena',
      }),
    ).rejects.toThrow(/cannot sponsor themselves/);
  });

  it('moves a consultant between units from a date', async () => {
    const lviv = (
      await ctx.database.db
        .selectFrom('unit')
        .select('id')
        .where('code', '=', 'LVIV')
        .executeTakeFirstOrThrow()
    ).id;
    await changeUnit(ctx.database, ids.V, lviv, {
      validFrom: '2026-11-01',
      recordedAt: new Date('2026-10-25T10:00:00Z'),
      recordedBy: 'clerk.olena',
    });
    expect((await unitOfConsultantAsOf(ctx.database, ids.V, '2026-10-31'))?.code).toBe('KYIV');
    expect((await unitOfConsultantAsOf(ctx.database, ids.V, '2026-11-01'))?.code).toBe('LVIV');
  });

  it('a career correction entered later changes "as known now" but not "as known then"', async () => {
    const correctedAt = new Date('2026-11-05T12:00:00Z');
    await recordCareerChange(ctx.database, ids.H, {
      levelCode: 'MANAGER',
      validFrom: '2026-09-01',
      recordedAt: correctedAt,
      recordedBy: 'clerk.olena',
      approvedBy: 'director.ivan',
      source: 'manual',
      reason: 'кваліфікація за серпень зарахована помилково пізно',
    });
    const then = new Date('2026-10-01T00:00:00Z');
    expect((await careerLevelAsOf(ctx.database, ids.H, '2026-09-15', then))?.levelCode).toBe('CONSULTANT');
    expect((await careerLevelAsOf(ctx.database, ids.H, '2026-09-15'))?.levelCode).toBe('MANAGER');
    expect((await careerLevelAsOf(ctx.database, ids.H, '2026-08-15'))?.levelCode).toBe('CONSULTANT');
    const history = await careerHistory(ctx.database, ids.H);
    expect(history.map((e) => [e.levelCode, e.validFrom, e.validTo, e.source])).toEqual([
      ['CONSULTANT', '2026-01-01', '2026-09-01', 'initial'],
      ['MANAGER', '2026-09-01', OPEN_END, 'manual'],
    ]);
    expect(history[1].approvedBy).toBe('director.ivan');
    expect((await careerHistory(ctx.database, ids.H, then)).map((e) => e.levelCode)).toEqual(['CONSULTANT']);
  });

  it('refuses an unknown level', async () => {
    await expect(
      recordCareerChange(ctx.database, ids.H, {
        levelCode: 'GENERAL',
        validFrom: '2026-09-01',
        recordedAt: new Date(),
        recordedBy: 'x',
        source: 'manual',
      }),
    ).rejects.toThrow(/unknown career level 'GENERAL'/);
  });

  it('reads a downline again after a sponsor change the moment it commits, whoever writes it', async () => {
    const codes = async (knownAt?: Date) =>
      (await downlineAsOf(ctx.database, ids.A, '2026-12-15', knownAt)).map(
        (n) => `${n.code}/${n.generation}`,
      );
    expect(await codes()).toEqual(['B/1', 'V/1', 'H/2']);
    expect(await codes()).toEqual(['B/1', 'V/1', 'H/2']); // read twice: the second is the kept one
    // Through the network module: Vira (with Halyna below her) moves under Bohdan.
    await changeSponsor(ctx.database, ids.V, ids.B, {
      validFrom: '2026-12-01',
      recordedAt: new Date(),
      recordedBy: 'clerk.olena',
      reason: 'переведення до групи Богдана',
    });
    expect(await codes()).toEqual(['B/1', 'V/2', 'H/3']);
    // By bare SQL, as a bulk load would: a new recruit of Andriy.
    const { db } = ctx.database;
    await db
      .insertInto('consultant')
      .values({
        code: 'N',
        full_name: 'Наталія Ткач',
        tax_number: null,
        legal_form: 'individual',
        email: null,
        phone: null,
        hired_on: '2026-12-01',
        terminated_on: null,
        created_at: new Date(),
      })
      .execute();
    const n = await db
      .selectFrom('consultant')
      .select('id')
      .where('code', '=', 'N')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('consultant_sponsor')
      .values({
        consultant_id: n.id,
        sponsor_id: ids.A,
        valid_from: '2026-12-01',
        valid_to: OPEN_END,
        recorded_at: new Date(),
        superseded_at: STILL_KNOWN,
        recorded_by: 'bulk-load',
        reason: null,
      })
      .execute();
    expect(await codes()).toEqual(['B/1', 'N/1', 'V/2', 'H/3']);
    // As known before both changes, the tree is the old one.
    expect(await codes(new Date('2026-11-01T00:00:00Z'))).toEqual(['B/1', 'V/1', 'H/2']);
  });
});

describeEachEngine('a sponsor change that would loop only from a later day', (ctx) => {
  it('is refused naming that day, and nothing of it is recorded', async () => {
    const ids = await seedNetwork(ctx.database);
    const change = (validFrom: string) => ({ validFrom, recordedAt: new Date(), recordedBy: 'clerk.olena' });
    // Bohdan moves under Vira from March.
    await changeSponsor(ctx.database, ids.B, ids.V, change('2027-03-01'));
    // Vira under Bohdan from February: no loop in February, but from March each sponsors the other.
    await expect(changeSponsor(ctx.database, ids.V, ids.B, change('2027-02-01'))).rejects.toThrow(
      /V would be in their own upline from 2027-03-01: the network would loop/,
    );
    expect((await uplineAsOf(ctx.database, ids.V, '2027-02-15')).map((n) => n.code)).toEqual(['A']);
    expect((await uplineAsOf(ctx.database, ids.B, '2027-04-01')).map((n) => n.code)).toEqual(['V', 'A']);
    // Until the end of February it is no loop, and is allowed.
    await changeSponsor(ctx.database, ids.V, ids.B, { ...change('2027-02-01'), validTo: '2027-03-01' });
    expect((await uplineAsOf(ctx.database, ids.V, '2027-02-15')).map((n) => n.code)).toEqual(['B', 'A']);
    expect((await uplineAsOf(ctx.database, ids.V, '2027-03-15')).map((n) => n.code)).toEqual(['A']);
  });
});
