/**
 * Two people resolving the same mismatch at once (issue 9, "Messages and records" 6): one succeeds,
 * the other is refused with a 409-style error, and the audit log keeps one decision. On PostgreSQL
 * each person has their own connection pool, so the two really run at once.
 */
import { type Database, openDatabase } from '../../../src/db';
import { MismatchResolutionError, resolveMismatch } from '../../../src/exchange/reconciliation';
import { describeEachEngine, postgresUrl } from '../../support/engines';
import { seedInsurersAndConsultants } from '../support/intermediary';

describeEachEngine('resolving a mismatch', (ctx) => {
  let mismatchId: number;

  beforeAll(async () => {
    const { dnipro } = await seedInsurersAndConsultants(ctx.database);
    mismatchId = await ctx.database.dialect.insertReturningId(
      ctx.database.db,
      'mismatch',
      {
        insurer_id: dnipro,
        kind: 'consultant_code_unknown',
        policy_number: 'DL-2026-000107',
        policy_id: null,
        field: 'agent_code',
        insurer_value: 'K-99999',
        our_value: null,
        details: 'unknown consultant code',
        source_message_id: null,
        source_row: 8,
        dedupe_key: 'DNIPRO_LIFE:consultant_code_unknown:DL-2026-000107:K-99999',
        status: 'open',
        resolution: null,
        resolved_by: null,
        resolved_at: null,
        created_at: new Date(),
      },
      { dedupe_key: 'DNIPRO_LIFE:consultant_code_unknown:DL-2026-000107:K-99999' },
    );
  });

  it('of two concurrent resolutions one succeeds and the other is refused with 409', async () => {
    const people: Database[] =
      ctx.database.engine === 'postgres'
        ? await Promise.all(
            [1, 2].map(() =>
              openDatabase(
                { engine: 'postgres', url: postgresUrl()! },
                { searchPath: ctx.database.schemaName!, poolSize: 1 },
              ),
            ),
          )
        : [ctx.database, ctx.database];
    let outcomes: PromiseSettledResult<void>[];
    try {
      outcomes = await Promise.allSettled([
        resolveMismatch(people[0], mismatchId, {
          status: 'resolved',
          resolution: 'a typo of K-00047',
          by: 'olena',
        }),
        resolveMismatch(people[1], mismatchId, { status: 'ignored', resolution: 'not ours', by: 'petro' }),
      ]);
    } finally {
      if (ctx.database.engine === 'postgres') await Promise.all(people.map((p) => p.close()));
    }
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
    expect(refused).toBeInstanceOf(MismatchResolutionError);
    expect(refused).toMatchObject({ statusCode: 409 });
    expect(refused.message).toMatch(/is already (resolved by olena|ignored by petro)/);
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('entity_kind', '=', 'mismatch')
      .where('entity_id', '=', String(mismatchId))
      .execute();
    expect(audit).toHaveLength(1);
    const row = await ctx.database.db
      .selectFrom('mismatch')
      .select(['status', 'resolved_by'])
      .where('id', '=', mismatchId)
      .executeTakeFirstOrThrow();
    expect(`${row.status}:${row.resolved_by}`).toBe(
      audit[0].actor === 'olena' ? 'resolved:olena' : 'ignored:petro',
    );
  });

  it('refuses an unknown mismatch with 404', async () => {
    await expect(
      resolveMismatch(ctx.database, mismatchId + 1000, {
        status: 'resolved',
        resolution: 'x y z',
        by: 'olena',
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});
