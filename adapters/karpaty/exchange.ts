/**
 * Karpaty Partner API v2 (SPEC.md §Endpoints): what the adapter configuration cannot say — which
 * calls bring policies, payments and commission statements, and how far each pull got.
 */
import type { ExchangeHookContext, ExchangeHooks } from '../../src/exchange/runs';

/** Payments are asked for by date range; this far back on the first run. */
const FIRST_PAYMENTS_FROM = '2026-01-01';

function previousMonth(day: string): string {
  const [y, m] = day.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function rest(context: ExchangeHookContext) {
  if (!context.rest) throw new Error(`${context.adapter.file}: Karpaty needs its REST channel`);
  return context.rest;
}

export const hooks: ExchangeHooks = {
  // §Endpoints: POST /applications answers 202 with <BatchReceipt batchId>.
  async sendRegister(context, _fileName, payload) {
    const { batchId } = await rest(context).submitApplications(payload);
    return { externalId: batchId };
  },

  // GET /applications/batches/{batchId}: accepted / rejected (+ reason) / issued (+ policy number).
  async pollRegisterAnswers(context, registers) {
    for (const register of registers) {
      const answer = await rest(context).getBatchStatus(register.externalId);
      await context.receive({
        fileName: `batch-${register.externalId.replace(/[^A-Za-z0-9-]/g, '-')}.xml`,
        externalId: answer.externalId,
        payload: answer.bytes,
        messageType: 'register-answer',
      });
    }
  },

  async pull(context) {
    const api = rest(context);
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');

    // GET /policies?changedSince=…&page=n: latest state of every policy changed since the last pull.
    const since = (await context.cursors.get('policies-changed-since')) ?? '2000-01-01T00:00:00Z';
    const pulledAt = new Date().toISOString();
    const pages = await api.fetchPolicyPages(since);
    for (const [i, page] of pages.entries()) {
      await context.receive({
        fileName: `policies-${stamp}-p${i + 1}.xml`,
        externalId: page.externalId,
        payload: page.bytes,
        messageType: 'contracts',
      });
    }
    await context.cursors.set('policies-changed-since', pulledAt);

    // GET /payments?from&to: today again next time, as today's list may still grow.
    const through = await context.cursors.get('payments-through');
    const from = through ? addDays(through, 1) : FIRST_PAYMENTS_FROM;
    if (from <= context.today) {
      const payments = await api.fetchPayments(from, context.today);
      await context.receive({
        fileName: `payments-${from}-${context.today}.xml`,
        externalId: payments.externalId,
        payload: payments.bytes,
        messageType: 'payments',
      });
      await context.cursors.set('payments-through', addDays(context.today, -1));
    }

    // GET /commission-statements/{yyyy-mm}: last month's, once it is there.
    const month = previousMonth(context.today);
    if ((await context.cursors.get('commission-month')) !== month) {
      try {
        const statement = await api.fetchCommissionStatement(month);
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
    }
  },
};
