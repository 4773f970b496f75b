/** Which version of a policy is in effect on a day: the one list, card and scope checks all use. */
import type { ExpressionBuilder } from 'kysely';
import type { DB, IsoDate } from '../../src/db';

/** Only the version of each policy in effect on `day` as known at `knownAt`. */
export function inEffect(day: IsoDate, knownAt: Date) {
  return (eb: ExpressionBuilder<DB & { pv: DB['policy_version'] }, 'pv'>) =>
    eb.and([
      eb('pv.valid_from', '<=', day),
      eb('pv.recorded_at', '<=', knownAt),
      eb.not(
        eb.exists(
          eb
            .selectFrom('policy_version as later')
            .select('later.id')
            .whereRef('later.policy_id', '=', 'pv.policy_id')
            .where('later.valid_from', '<=', day)
            .where('later.recorded_at', '<=', knownAt)
            .where((l) =>
              l.or([
                l('later.valid_from', '>', l.ref('pv.valid_from')),
                l.and([
                  l('later.valid_from', '=', l.ref('pv.valid_from')),
                  l('later.version_no', '>', l.ref('pv.version_no')),
                ]),
              ]),
            ),
        ),
      ),
    ]);
}
