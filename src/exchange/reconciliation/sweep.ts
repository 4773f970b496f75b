/**
 * The sweep for applications an insurer accepted but never issued a contract for: after the
 * adapter's `acceptedNoContractDays` (default 14) an accepted application with no policy is an
 * `accepted_no_contract` mismatch; one whose contract has since arrived resolves by itself. Runs at
 * the end of each exchange run, by `ecspert mismatch sweep` and by POST /api/exchange/mismatches/sweep.
 * Raising is keyed, so sweeping twice raises nothing new.
 */
import type { Database } from '../../db';
import { raiseMismatches } from './mismatches';
import { acceptedNoContractDays } from './rules';

export interface SweepReport {
  /** Applications looked at (accepted, no contract yet, past their insurer's days). */
  overdue: number;
  raised: number;
  /** Open accepted_no_contract mismatches whose contract has arrived since. */
  cleared: number;
}

export async function sweepAcceptedNoContract(
  database: Database,
  options: { at?: Date; insurerCode?: string } = {},
): Promise<SweepReport> {
  const at = options.at ?? new Date();
  let insurers = database.db.selectFrom('insurer').select(['id', 'code']);
  if (options.insurerCode) insurers = insurers.where('code', '=', options.insurerCode);
  const report: SweepReport = { overdue: 0, raised: 0, cleared: 0 };
  for (const insurer of await insurers.orderBy('id').execute()) {
    const days = acceptedNoContractDays(insurer.code);
    const before = new Date(at.getTime() - days * 86_400_000);
    await database.db.transaction().execute(async (trx) => {
      const overdue = await trx
        .selectFrom('application')
        .select(['id', 'number', 'updated_at', 'signed_on'])
        .where('insurer_id', '=', Number(insurer.id))
        .where('status', '=', 'accepted')
        .where('policy_id', 'is', null)
        .where('updated_at', '<=', before)
        .execute();
      const issued = await trx
        .selectFrom('mismatch as m')
        .innerJoin('application as a', 'a.id', 'm.application_id')
        .select(['a.number'])
        .where('m.insurer_id', '=', Number(insurer.id))
        .where('m.kind', '=', 'accepted_no_contract')
        .where('m.status', '=', 'open')
        .where('a.policy_id', 'is not', null)
        .execute();
      const source = {
        trx,
        dialect: database.dialect,
        insurerId: Number(insurer.id),
        insurerCode: insurer.code,
        messageId: null,
        recordedAt: at,
      };
      report.overdue += overdue.length;
      report.raised += await raiseMismatches(
        source,
        overdue.map((a) => {
          const acceptedOn = new Date(a.updated_at).toISOString().slice(0, 10);
          return {
            kind: 'accepted_no_contract' as const,
            policyNumber: null,
            applicationId: Number(a.id),
            field: 'application',
            insurerValue: `accepted ${acceptedOn}, no contract`,
            ourValue: `application ${a.number} signed ${a.signed_on}`,
            details: `${insurer.code} accepted application ${a.number} on ${acceptedOn} and has sent no contract for it in ${days} days`,
            identity: `application:${a.number}:`,
          };
        }),
        issued.map((a) => ({
          kind: 'accepted_no_contract' as const,
          identityPrefix: `application:${a.number}:`,
        })),
      );
      report.cleared += issued.length;
    });
  }
  return report;
}
