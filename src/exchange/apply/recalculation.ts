/**
 * Requests to recalculate calculated or closed periods that an applied record reaches into. Idempotent:
 * the same change found again (a re-delivery, a replay) is not raised twice.
 */
import {
  type RecalculationCause,
  requestRecalculation as raiseRecalculationRequests,
} from '../../recalculation-requests';
import type { ApplyContext } from './context';

/**
 * Asks for recalculation of every calculated or closed production period the change reaches into
 * (its effective day or later); answers how many requests are new. The requests' one writer is
 * src/recalculation-requests.
 */
export async function requestRecalculation(ctx: ApplyContext, cause: RecalculationCause): Promise<number> {
  return (await raiseRecalculationRequests(ctx.trx, cause, ctx.recordedAt)).length;
}
