/**
 * Karpaty Partner API v2 (SPEC.md §Endpoints): what adapter.yaml cannot say. The signed application
 * batch goes out, its status is followed by the batch id, and policies and payments come in, all by
 * configuration (adapter.yaml `request`); this hook asks for last month's commission statement until
 * it is there. `submitApplications` and `getBatchStatus` make the same calls as the configuration,
 * for tests and tools.
 */
import { parseXml } from '../../src/exchange/formats';
import type { ExchangeHookContext, ExchangeHooks } from '../../src/exchange/runs';
import { type FetchedItem, type RestTransport, TransportError } from '../../src/exchange/transports';

function previousMonth(day: string): string {
  const [y, m] = day.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function rest(context: ExchangeHookContext): RestTransport {
  if (!context.rest) throw new Error(`${context.adapter.file}: Karpaty needs its REST channel`);
  return context.rest;
}

/** §Endpoints: `POST /applications` with a signed `<ApplicationBatch>` answers 202 `<BatchReceipt batchId>`. */
export async function submitApplications(
  api: RestTransport,
  signedBatch: Buffer,
): Promise<{ batchId: string; receipt: FetchedItem }> {
  const receipt = await api.request(
    {
      method: 'POST',
      path: '/applications',
      body: signedBatch,
      contentType: 'application/xml',
      accept: 'application/xml',
      idempotent: false,
    },
    'BatchReceipt',
  );
  let batchId: unknown;
  try {
    batchId = parseXml(receipt.bytes, 'BatchReceipt').root['@batchId'];
  } catch {
    batchId = undefined;
  }
  if (typeof batchId !== 'string' || batchId === '') {
    throw new TransportError('rest', 'protocol', `POST /applications: answer has no batchId`, {
      target: receipt.externalId,
      body: receipt.bytes,
      retryable: false,
    });
  }
  return { batchId, receipt };
}

/** `GET /applications/batches/{id}`: the `<BatchStatus>` document. */
export function getBatchStatus(api: RestTransport, batchId: string): Promise<FetchedItem> {
  return api.request(
    {
      method: 'GET',
      path: `/applications/batches/${encodeURIComponent(batchId)}`,
      accept: 'application/xml',
    },
    `BatchStatus_${batchId}`,
  );
}

/** `GET /commission-statements/{yyyy-mm}`. */
export function fetchCommissionStatement(api: RestTransport, month: string): Promise<FetchedItem> {
  return api.request(
    {
      method: 'GET',
      path: `/commission-statements/${encodeURIComponent(month)}`,
      accept: 'application/xml',
    },
    `CommissionStatement_${month}`,
  );
}

export const hooks: ExchangeHooks = {
  // GET /commission-statements/{yyyy-mm}: last month's, once it is there (404 until then).
  async pull(context) {
    const month = previousMonth(context.today);
    if ((await context.cursors.get('commission-month')) === month) return;
    try {
      const statement = await fetchCommissionStatement(rest(context), month);
      await context.receive({
        fileName: `commission-${month}.xml`,
        externalId: statement.externalId,
        payload: statement.bytes,
        messageType: 'commission',
      });
      await context.cursors.set('commission-month', month);
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
      context.logger?.info({ month }, 'Karpaty has no commission statement for the month yet');
    }
  },
};
