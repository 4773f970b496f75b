/**
 * No Oracle server runs here: the report schedules' reads, the due-run claim and the delivery claim
 * are compiled for Oracle and checked for what Oracle rejects (LIMIT, RETURNING, :: casts …), as the
 * other modules' suites do; the paging is OFFSET … FETCH FIRST.
 */
import { listDeliveries, listSchedules, runDueSchedules, sendDelivery } from '../../../back-office/reports';
import { expectOracleSql, oracleCompileDatabase } from '../../support/oracle-compile';

const schedule = {
  id: 1,
  name: 'Продажі',
  report: 'sales',
  consultant_code: null,
  filters: '{"periods":3,"periodsBack":1}',
  formats: 'xlsx',
  recipients: 'ceo@agency.example',
  cron: '0 8 1 * *',
  active: 1,
  owner_user_id: 1,
  owner_login: 'backoffice',
  next_run_at: new Date('2026-11-01T06:00:00Z'),
  last_run_at: null,
  created_at: new Date('2026-10-01T00:00:00Z'),
  created_by: 'backoffice',
  updated_at: new Date('2026-10-01T00:00:00Z'),
  updated_by: 'backoffice',
  removed_at: null,
  removed_by: null,
};

describe('Oracle SQL of report schedules', () => {
  it('compiles the lists, the paged deliveries, the claim of a due run and of a delivery', async () => {
    const { database, recorder } = oracleCompileDatabase((text) => {
      if (/^select count\(\*\)/.test(text)) return [{ n: 0 }];
      if (/from "report_schedule"/.test(text) && /^select/.test(text)) return [schedule];
      if (/from "report_delivery"/.test(text) && /"payload"/.test(text))
        return [
          {
            id: 7,
            status: 'pending',
            attempts: 0,
            payload: Buffer.from('mail'),
            recipient: 'ceo@agency.example',
            mail_message_id: '<x@agency.example>',
          },
        ];
      return undefined;
    });
    expect((await listSchedules(database)).map((s) => s.id)).toEqual([1]);
    await listDeliveries(database, 1, { offset: 20, limit: 10 });
    // The claim compiles; the recorder reports no row moved, so nothing more is done.
    expect(await runDueSchedules(database, null, new Date('2026-11-02T00:00:00Z'))).toEqual([]);
    expect(await sendDelivery(database, 7, null)).toBeNull();
    expectOracleSql(recorder.sql);
    expect(recorder.sql.some((s) => /offset :\d+ rows fetch first :\d+ rows only/i.test(s))).toBe(true);
    expect(
      recorder.sql.some((s) =>
        /^update "report_schedule" set .*where "id" = :\d+ and "next_run_at" = :\d+/.test(s),
      ),
    ).toBe(true);
    expect(
      recorder.sql.some((s) =>
        /^update "report_delivery" set "status" = :\d+.*and "status" = :\d+ and "attempts" = :\d+/.test(s),
      ),
    ).toBe(true);
  });
});
