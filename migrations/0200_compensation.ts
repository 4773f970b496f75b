/**
 * The compensation engine's tables: plan versions, calculation runs (plan version, input
 * fingerprint, status), the append-only accrual ledger, per-period consultant metrics and career
 * decisions of a run, and contests with their standings.
 *
 * The ledger is never updated or deleted: a recalculation posts storno lines (storno_of_accrual_id)
 * and additional accruals that name the period they correct (corrects_period).
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  const schema = db.schema;

  await schema
    .createTable('plan_version')
    .addColumn('id', t.id, identity)
    .addColumn('plan_code', t.text(40), notNull) // e.g. UA-NETWORK
    .addColumn('version', t.text(40), notNull) // e.g. 2026.1
    .addColumn('effective_from', t.text(7), notNull) // the first production period, yyyy-mm
    .addColumn('sha256', t.text(64), notNull) // of the canonical plan document
    .addColumn('document', t.json, notNull) // the validated plan as JSON
    .addColumn('source_file', t.text(500))
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('active', 'draft', 'retired')`),
    )
    .addColumn('loaded_at', t.timestamp, notNull)
    .addColumn('loaded_by', t.text(100))
    .addUniqueConstraint('plan_version_uq', ['plan_code', 'version'])
    .execute();

  await schema
    .createTable('calculation_run')
    .addColumn('id', t.id, identity)
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('plan_version_id', t.ref, (c) => c.notNull().references('plan_version.id'))
    .addColumn('plan_code', t.text(40), notNull)
    .addColumn('plan_version', t.text(40), notNull)
    .addColumn('input_fingerprint', t.text(64), notNull) // sha256 over the canonical inputs and plan
    .addColumn('known_at', t.timestamp, notNull) // the knowledge time the inputs were read as of
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('running', 'posted', 'superseded', 'failed')`),
    )
    .addColumn('line_count', t.int, notNull)
    .addColumn('total_amount', t.money, notNull)
    .addColumn('missing_inputs', t.json) // payments that could not be calculated, with reasons
    .addColumn('started_at', t.timestamp, notNull)
    .addColumn('finished_at', t.timestamp)
    .addColumn('created_by', t.text(100))
    .execute();
  await schema
    .createIndex('calculation_run_period_ix')
    .on('calculation_run')
    .columns(['period_code', 'status'])
    .execute();

  // The accrual ledger: append-only.
  await schema
    .createTable('accrual')
    .addColumn('id', t.id, identity)
    .addColumn('run_id', t.ref, (c) => c.notNull().references('calculation_run.id'))
    .addColumn('line_no', t.int, notNull)
    .addColumn('period_code', t.text(7), notNull) // the period it is posted in
    .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
    .addColumn('kind', t.text(20), (c) =>
      c
        .notNull()
        .check(
          sql`${sql.ref('kind')} in ('personal', 'structural', 'override', 'bonus', 'chargeback', 'contest', 'storno', 'additional')`,
        ),
    )
    .addColumn('source_kind', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('source_kind')} in ('payment', 'policy', 'consultant', 'contest')`),
    )
    .addColumn('source_id', t.bigint, notNull) // premium_payment.id, policy.id, consultant.id or contest.id
    .addColumn('policy_id', t.ref) // the policy the money comes from, when there is one
    .addColumn('downline_consultant_id', t.ref) // the seller below, on structural lines
    .addColumn('rule', t.text(100), notNull) // e.g. personal.MANAGER, differential.DIRECTOR, bonus.FAST_START
    .addColumn('plan_version', t.text(40), notNull)
    .addColumn('base', t.money, notNull)
    .addColumn('rate', t.rate, notNull) // percent of the base
    .addColumn('amount', t.money, notNull) // rounded once by the plan's rule
    .addColumn('explanation', t.text(2000), notNull)
    .addColumn('corrects_period', t.text(7)) // set on storno/additional lines of a recalculation
    .addColumn('storno_of_accrual_id', t.ref)
    .addColumn('created_at', t.timestamp, notNull)
    .execute();
  await schema.createIndex('accrual_run_ix').on('accrual').columns(['run_id', 'line_no']).execute();
  await schema
    .createIndex('accrual_period_ix')
    .on('accrual')
    .columns(['period_code', 'consultant_id'])
    .execute();
  await schema.createIndex('accrual_policy_ix').on('accrual').column('policy_id').execute();

  // What a run measured per consultant; contests and rolling rules read it back.
  await schema
    .createTable('consultant_period_metric')
    .addColumn('id', t.id, identity)
    .addColumn('run_id', t.ref, (c) => c.notNull().references('calculation_run.id'))
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
    .addColumn('personal_volume_u', t.bigint, notNull) // points in millionths
    .addColumn('group_volume_u', t.bigint, notNull)
    .addColumn('personal_premium', t.money, notNull)
    .addColumn('new_policies', t.int, notNull)
    .addColumn('active_directs', t.int, notNull)
    .addColumn('legs', t.int, notNull)
    .addColumn('is_active', t.int, notNull) // 1 active, 0 not (no boolean columns: Oracle)
    .addColumn('career_level', t.text(40), notNull)
    .addColumn('paid_level', t.text(40), notNull)
    .execute();
  await schema
    .createIndex('cpm_run_ix')
    .on('consultant_period_metric')
    .columns(['run_id', 'consultant_id'])
    .execute();
  await schema
    .createIndex('cpm_period_ix')
    .on('consultant_period_metric')
    .columns(['period_code', 'consultant_id'])
    .execute();

  await schema
    .createTable('career_decision')
    .addColumn('id', t.id, identity)
    .addColumn('run_id', t.ref, (c) => c.notNull().references('calculation_run.id'))
    .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
    .addColumn('kind', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('kind')} in ('promotion', 'demotion')`),
    )
    .addColumn('from_level', t.text(40), notNull)
    .addColumn('to_level', t.text(40), notNull)
    .addColumn('effective_from', t.date, notNull)
    .addColumn('reason', t.text(1000), notNull)
    .execute();

  await schema
    .createTable('contest')
    .addColumn('id', t.id, identity)
    .addColumn('code', t.text(40), (c) => c.notNull().unique())
    .addColumn('name', t.text(300), notNull)
    .addColumn('first_period', t.text(7), notNull)
    .addColumn('last_period', t.text(7), notNull)
    .addColumn('definition', t.json, notNull) // metric, eligibility, tie-break, prizes
    .addColumn('created_at', t.timestamp, notNull)
    .execute();

  await schema
    .createTable('contest_standing')
    .addColumn('id', t.id, identity)
    .addColumn('contest_id', t.ref, (c) => c.notNull().references('contest.id'))
    .addColumn('run_id', t.ref, (c) => c.references('calculation_run.id'))
    .addColumn('through_period', t.text(7), notNull) // standings include periods up to this one
    .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
    .addColumn('place', t.int, notNull)
    .addColumn('score', t.text(60), notNull) // exact decimal text
    .addColumn('prize', t.text(300))
    .addColumn('computed_at', t.timestamp, notNull)
    .execute();
  await schema
    .createIndex('contest_standing_ix')
    .on('contest_standing')
    .columns(['contest_id', 'through_period'])
    .execute();
}
