/**
 * No Oracle server runs here: the network records' migration (0620) and the SQL of units, consultants
 * and the network views are compiled for Oracle and checked for what Oracle would reject.
 */
import {
  changeSponsor,
  closeUnit,
  consultantCard,
  hireConsultant,
  listConsultants,
  moveUnit,
  networkTree,
  policiesOfConsultant,
  relativesPage,
  unitTreeAsOf,
} from '../../../back-office/network';
import { migrate } from '../../../src/db';
import { expectOracleSql, oracleCompileDatabase } from '../../support/oracle-compile';

describe('Oracle SQL of the network records', () => {
  it('compiles migration 0620', async () => {
    const { database, recorder } = oracleCompileDatabase();
    recorder.answers.push([{ n: 0 }]);
    await migrate(database.db, database.dialect);
    expectOracleSql(recorder.sql);
    expect(recorder.sql).toContainEqual('alter table "consultant" add ("address" varchar2(500 char))');
    expect(recorder.sql).toContainEqual('alter table "unit_structure" add ("name" varchar2(300 char))');
  });

  it('compiles the reads: unit tree, consultant list, card, policies, network tree', async () => {
    const { database, recorder } = oracleCompileDatabase();
    recorder.respond = (statement) => {
      if (/count\(/.test(statement)) return [{ total: 0, n: 0 }];
      if (/^select .* from "consultant"/.test(statement))
        return [
          {
            id: 7,
            code: 'K-7',
            full_name: 'X',
            hired_on: '2026-01-01',
            terminated_on: null,
            legal_form: 'individual',
          },
        ];
      return undefined;
    };
    await unitTreeAsOf(database, '2026-03-01');
    await listConsultants(database, {
      date: '2026-03-01',
      search: 'ко_в%',
      unitCode: 'KYIV',
      offset: 0,
      limit: 50,
    });
    await consultantCard(database, 'K-7', '2026-03-01');
    await policiesOfConsultant(database, 'K-7', '2026-03-01', { offset: 50, limit: 50 });
    await networkTree(database, { date: '2026-03-01', search: 'x' });
    await relativesPage(database, 'K-7', 'downline', '2026-03-01', { offset: 50, limit: 50 });
    expectOracleSql(recorder.sql);
    // The downline's page comes with its total and its count is the database's.
    expect(recorder.sql).toContainEqual(
      expect.stringMatching(/count\(\*\) over \(\).* offset :\d+ rows fetch/),
    );
    expect(recorder.sql).toContainEqual(expect.stringMatching(/^with "down".*select count\(\*\)/));
    expect(recorder.sql).toContainEqual(expect.stringMatching(/lower\("c"\."code"\) like :\d+ escape '\\'/));
    expect(recorder.sql).toContainEqual(expect.stringMatching(/offset :\d+ rows fetch first :\d+ rows only/));
  });

  it('compiles the writes: hire, move and close a unit', async () => {
    const { database, recorder } = oracleCompileDatabase();
    let consultantFound = false;
    recorder.respond = (statement) => {
      if (/^select .* from "unit" where "code"/.test(statement))
        return [{ id: 3, code: 'KYIV', name: 'Київ' }];
      if (/^select .* from "unit_structure" "us"/.test(statement) && !/"parent_unit_id" = /.test(statement))
        return [
          {
            id: 1,
            unit_id: 3,
            parent_unit_id: null,
            manager_consultant_id: null,
            name: null,
            valid_from: '2026-01-01',
            valid_to: '9999-12-31',
          },
        ];
      if (/^select \* from "unit_structure" where "unit_id"/.test(statement))
        return [
          {
            id: 1,
            unit_id: 3,
            parent_unit_id: null,
            manager_consultant_id: null,
            name: null,
            valid_from: '2026-01-01',
            valid_to: '9999-12-31',
          },
        ];
      if (/^select "id" from "consultant" where "code"/.test(statement)) {
        // The new code is free before the insert and found again after it (Oracle returns no id).
        const answer = consultantFound ? [{ id: 9 }] : [];
        consultantFound = true;
        return answer;
      }
      return undefined;
    };
    await hireConsultant(database, {
      code: 'K-9',
      fullName: 'Нова Людина',
      taxNumber: '3184710691',
      legalForm: 'sole_proprietor',
      sponsorCode: null,
      unitCode: 'KYIV',
      hiredOn: '2026-03-01',
      recordedBy: 'hr',
    });
    await moveUnit(database, {
      code: 'KYIV',
      parentCode: null,
      from: '2026-04-01',
      recordedBy: 'hr',
      reason: 'x',
    }).catch(
      () => undefined, // the read-back after the move finds no tree in a recorder; the SQL is what counts
    );
    await closeUnit(database, { code: 'KYIV', closedOn: '2026-05-01', recordedBy: 'hr', reason: 'x' });
    expectOracleSql(recorder.sql);
    expect(recorder.sql).toContainEqual(
      expect.stringMatching(/^insert into "consultant" \(.*"address".*\) values/),
    );
    expect(recorder.sql).toContainEqual(expect.stringMatching(/^insert into "consultant_activity_status"/));
    expect(recorder.sql).toContainEqual('lock table "unit_structure" in exclusive mode');
    expect(recorder.sql).toContainEqual(
      expect.stringMatching(/^update "unit_structure" set "superseded_at" = :1/),
    );
  });

  it('compiles a sponsor change with its loop check over the whole span of the change', async () => {
    const { database, recorder } = oracleCompileDatabase();
    await changeSponsor(database, 7, 8, {
      validFrom: '2026-02-01',
      recordedAt: new Date('2026-11-30T10:00:00Z'),
      recordedBy: 'hr',
    });
    expectOracleSql(recorder.sql);
    expect(recorder.sql).toContainEqual(
      expect.stringMatching(
        /^with "up"\("consultant_id", "from_d", "to_d", "depth"\) as .* union all .*select min\("up"\."from_d"\)/,
      ),
    );
  });
});
