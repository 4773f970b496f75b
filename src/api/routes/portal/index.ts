/**
 * What the consultant portal and the charts read beyond the back office's own routes:
 *
 * - `GET /api/consultants/:code/income?from=&to=`: the consultant's posted ledger summed by period
 *   and kind (accruals.read; money, so a consultant only their own, a manager their units').
 * - `GET /api/consultants/:code/progress?period=`: the figures of a posted calculation against what
 *   the plan asks for the next career level (network.read; a consultant themselves and their downline).
 * - `GET /api/consultants/:code/downline-volumes?period=`: the volumes of the consultant and of each
 *   member of their downline in a period (network.read; in scope as the downline itself is).
 * - `GET /api/network/volumes-by-unit?period=`: the network's volume per unit (network.read; a manager
 *   their unit and its sub-units, a consultant the part of their units that is their downline).
 *
 * Volumes are the calculation's stored figures: points and the premium paid on the consultant's own
 * policies. A consultant sees their downline's policies already (src/auth/scope.ts), so their
 * volumes are within scope; accruals, which are money, are not shown for anyone but the caller.
 * Another consultant's figures outside the scope answer 404, as if there were none.
 */
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  findConsultantByCode,
  NetworkInputError,
  relativesPage,
  unitMembersAsOf,
  unitTreeAsOf,
} from '../../../../back-office/network';
import { seesConsultant, seesMoneyOf } from '../../../auth';
import { pageOffset, type PageQuery, pageQueryProperties } from '../../paging';
import { apiErrors, codeSchema, periodSchema } from '../../schema-types';
import {
  checkQualification,
  incomeOf,
  latestPostedPeriod,
  NO_FIGURES,
  periodEnd,
  periodFigures,
  periodsBefore,
  planLevels,
  pointsOf,
  unitsOf,
} from './reads';

const permission = (name: 'network.read' | 'accruals.read') =>
  ({ permission: name }) as unknown as FastifyContextConfig;
const tags = ['portal'];

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const kop = { type: 'integer', description: 'kopiyky' } as const;
const points = { type: 'string', description: 'points, an exact decimal' } as const;
const nullable = (schema: Record<string, unknown>) => ({ ...schema, type: [schema.type as string, 'null'] });
const object = (properties: Record<string, unknown>, description?: string) => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  properties,
});
const codeParams = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { ...codeSchema, examples: ['K-00012'] } },
} as const;
const periodQuery = {
  period: { ...periodSchema, description: 'a period with a posted calculation; the latest when left out' },
};
const figures = {
  personalVolume: points,
  groupVolume: points,
  personalPremiumKop: { ...kop, description: 'premium paid on the consultant’s own policies, kopiyky' },
  newPolicies: int,
  activeDirects: int,
  legs: int,
  active: bool,
  careerLevel: str,
};
const condition = object({
  text: str,
  metric: nullable(str),
  operator: nullable(str),
  required: nullable(str),
  reached: nullable(str),
  met: nullable(bool),
});
const level = nullable(object({ code: str, name: str }));

const INCOME = object(
  {
    consultantCode: str,
    from: nullable(str),
    to: nullable(str),
    kinds: { type: 'array', items: str, description: 'the kinds of line present, in order' },
    periods: {
      type: 'array',
      items: object({
        periodCode: str,
        totalKop: kop,
        byKind: { type: 'array', items: object({ kind: str, totalKop: kop, lines: int }) },
      }),
    },
    totalKop: kop,
  },
  'The consultant’s posted accruals by period and kind, kopiyky',
);
const PROGRESS = object(
  {
    consultantCode: str,
    period: nullable(str),
    calculated: { ...bool, description: 'false: no posted calculation of the period, nothing measured' },
    planCode: nullable(str),
    planVersion: nullable(str),
    level,
    nextLevel: { ...level, description: 'null at the top level' },
    window: { ...int, description: 'periods the qualification counts, this one included' },
    windowPeriods: { type: 'array', items: str },
    reached: nullable(
      object({
        personalVolume: points,
        groupVolume: points,
        personalPremium: { type: 'string', description: 'hryvnias, an exact decimal' },
        newPolicies: str,
        activeDirects: str,
        legs: str,
        levelRank: str,
      }),
    ),
    requirement: { ...nullable(str), description: 'the plan’s promotion condition for the next level' },
    alternatives: {
      type: 'array',
      items: object({ conditions: { type: 'array', items: condition }, met: nullable(bool) }),
    },
    met: { ...nullable(bool), description: 'null when part of the condition is not a plain comparison' },
  },
  'Progress towards the next career level',
);
const DOWNLINE_VOLUMES = object(
  {
    consultantCode: str,
    period: nullable(str),
    calculated: bool,
    own: object(figures),
    items: {
      type: 'array',
      items: object({ code: str, fullName: str, generation: int, sponsorCode: nullable(str), ...figures }),
    },
    page: int,
    pageSize: int,
    total: int,
  },
  'A page of the downline with each member’s volumes in the period',
);
const UNIT_VOLUMES = object(
  {
    period: nullable(str),
    calculated: bool,
    items: {
      type: 'array',
      items: object({
        unitCode: str,
        name: str,
        parentCode: nullable(str),
        depth: int,
        consultants: int,
        personalVolume: points,
        personalPremiumKop: kop,
        newPolicies: int,
      }),
    },
    totalVolume: points,
    totalPremiumKop: kop,
  },
  'The volume sold in each unit (its own consultants) in the period',
);

const notFound = (reply: FastifyReply, message: string) =>
  reply.code(404).send({ error: 'not_found', message });
const visibleOf = async (request: FastifyRequest) => (await request.auth?.visible()) ?? null;

export const portalRoutes: FastifyPluginAsync = async (app) => {
  const database = () => app.database;

  /** The consultant by code when the caller's scope sees them (`money`: sees their money), else null. */
  async function consultantFor(request: FastifyRequest, code: string, money: boolean) {
    const consultant = await findConsultantByCode(database(), code);
    if (!consultant) return null;
    const visible = await visibleOf(request);
    const id = Number(consultant.id);
    const sees = money ? seesMoneyOf(visible, id) : seesConsultant(visible, id);
    return sees ? { id, code: consultant.code, fullName: consultant.full_name } : null;
  }

  app.get<{ Params: { code: string }; Querystring: { from?: string; to?: string } }>(
    '/api/consultants/:code/income',
    {
      config: permission('accruals.read'),
      schema: {
        tags,
        operationId: 'consultantIncome',
        summary: 'A consultant’s posted accruals summed by period and kind (their own money only)',
        params: codeParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { ...periodSchema, description: 'the first period (yyyy-mm); every period when left out' },
            to: { ...periodSchema, description: 'the last period (yyyy-mm)' },
          },
        },
        response: { 200: INCOME, ...apiErrors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { from, to } = request.query;
      if (from && to && from > to)
        return reply.code(400).send({
          error: 'bad_request',
          message: 'querystring.from: comes after querystring.to',
          details: [{ field: 'querystring.from', message: 'comes after querystring.to' }],
        });
      const consultant = await consultantFor(request, request.params.code, true);
      if (!consultant) return notFound(reply, `no income of consultant ${request.params.code} to show`);
      const income = await incomeOf(database(), consultant.id, from, to);
      const kinds = [...new Set(income.periods.flatMap((p) => p.byKind.map((k) => k.kind)))].sort();
      return { consultantCode: consultant.code, from: from ?? null, to: to ?? null, kinds, ...income };
    },
  );

  app.get<{ Params: { code: string }; Querystring: { period?: string } }>(
    '/api/consultants/:code/progress',
    {
      config: permission('network.read'),
      schema: {
        tags,
        operationId: 'consultantProgress',
        summary: 'What the plan asks for the next career level, and what the consultant reached',
        params: codeParams,
        querystring: { type: 'object', additionalProperties: false, properties: periodQuery },
        response: { 200: PROGRESS, ...apiErrors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const consultant = await consultantFor(request, request.params.code, false);
      if (!consultant) return notFound(reply, `consultant '${request.params.code}' is not known`);
      const period = request.query.period ?? (await latestPostedPeriod(database()));
      const figures = period ? await periodFigures(database(), period, [consultant.id]) : null;
      const empty = {
        consultantCode: consultant.code,
        period,
        calculated: false,
        planCode: null,
        planVersion: null,
        level: null,
        nextLevel: null,
        window: 1,
        windowPeriods: [],
        reached: null,
        requirement: null,
        alternatives: [],
        met: null,
      };
      if (!period || !figures) return empty;
      const plan = await planLevels(database(), figures.planVersionId);
      if (!plan) return empty;
      const own = figures.byId.get(consultant.id);
      const levelCode = own?.careerLevel || plan.levels[0]?.code;
      const rank = plan.levels.findIndex((l) => l.code === levelCode);
      const current = plan.levels[rank] ?? null;
      const next = rank >= 0 ? (plan.levels[rank + 1] ?? null) : null;
      const qualification = next ? plan.qualifications.get(next.code) : undefined;
      const window = qualification?.window ?? 1;
      const windowPeriods = [period, ...periodsBefore(period, window - 1)];
      // Volumes over the window, as the engine sums them; directs and legs are this period's.
      let personal = BigInt(own?.raw.personal_volume_u ?? 0);
      let group = BigInt(own?.raw.group_volume_u ?? 0);
      let premiumKop = BigInt(own?.personalPremiumKop ?? 0);
      let newPolicies = BigInt(own?.newPolicies ?? 0);
      for (const earlier of windowPeriods.slice(1)) {
        const prior = (await periodFigures(database(), earlier, [consultant.id]))?.byId.get(consultant.id);
        if (!prior) continue;
        personal += BigInt(prior.raw.personal_volume_u);
        group += BigInt(prior.raw.group_volume_u);
        premiumKop += BigInt(prior.personalPremiumKop);
        newPolicies += BigInt(prior.newPolicies);
      }
      const whole = (n: bigint | number) => unitsOf(String(n));
      const values: Record<string, bigint> = {
        personalVolume: personal,
        groupVolume: group,
        personalPremium: premiumKop * 10_000n, // kopiyky → hryvnias in volume units (6 decimals)
        newPolicies: whole(newPolicies),
        activeDirects: whole(own?.activeDirects ?? 0),
        legs: whole(own?.legs ?? 0),
        levelRank: whole(rank + 1),
      };
      const checked = qualification?.promote
        ? checkQualification(qualification.promote, values)
        : { alternatives: [], met: null };
      return {
        consultantCode: consultant.code,
        period,
        calculated: true,
        planCode: plan.planCode,
        planVersion: plan.planVersion,
        level: current,
        nextLevel: next,
        window,
        windowPeriods,
        reached: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, pointsOf(v)])),
        requirement: qualification?.promote ?? null,
        alternatives: checked.alternatives,
        met: checked.met,
      };
    },
  );

  app.get<{ Params: { code: string }; Querystring: PageQuery & { period?: string } }>(
    '/api/consultants/:code/downline-volumes',
    {
      config: permission('network.read'),
      schema: {
        tags,
        operationId: 'consultantDownlineVolumes',
        summary:
          'The consultant’s own and each downline member’s volumes in a period, by generation and code',
        params: codeParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...pageQueryProperties, ...periodQuery },
        },
        response: { 200: DOWNLINE_VOLUMES, ...apiErrors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const consultant = await consultantFor(request, request.params.code, false);
      if (!consultant) return notFound(reply, `consultant '${request.params.code}' is not known`);
      const period = q.period ?? (await latestPostedPeriod(database()));
      const date = period ? periodEnd(period) : new Date().toISOString().slice(0, 10);
      let downline;
      try {
        downline = await relativesPage(
          database(),
          consultant.code,
          'downline',
          date,
          { offset: pageOffset(q), limit: q.pageSize },
          new Date(),
          await visibleOf(request),
        );
      } catch (error) {
        if (error instanceof NetworkInputError) return notFound(reply, error.message);
        throw error;
      }
      const ids = [consultant.id, ...downline.items.map((d) => d.consultantId)];
      const figures = period ? await periodFigures(database(), period, ids) : null;
      const codeOf = new Map(downline.items.map((d) => [d.consultantId, d.code]));
      codeOf.set(consultant.id, consultant.code);
      const strip = (id: number) => {
        const found = figures?.byId.get(id);
        if (!found) return NO_FIGURES;
        const { raw: _raw, ...rest } = found;
        return rest;
      };
      return {
        consultantCode: consultant.code,
        period,
        calculated: !!figures,
        own: strip(consultant.id),
        items: downline.items.map((d) => ({
          code: d.code,
          fullName: d.fullName,
          generation: d.generation,
          sponsorCode: d.sponsorId === null ? null : (codeOf.get(d.sponsorId) ?? null),
          ...strip(d.consultantId),
        })),
        page: q.page,
        pageSize: q.pageSize,
        total: downline.total,
      };
    },
  );

  app.get<{ Querystring: { period?: string } }>(
    '/api/network/volumes-by-unit',
    {
      config: permission('network.read'),
      schema: {
        tags,
        operationId: 'networkVolumesByUnit',
        summary: 'The volume sold in each unit in a period (a manager: their unit and its sub-units)',
        querystring: { type: 'object', additionalProperties: false, properties: periodQuery },
        response: { 200: UNIT_VOLUMES, ...apiErrors(400, 401, 403) },
      },
    },
    async (request) => {
      const period = request.query.period ?? (await latestPostedPeriod(database()));
      const scope = await visibleOf(request);
      const date = period ? periodEnd(period) : new Date().toISOString().slice(0, 10);
      const knownAt = new Date();
      const units = await unitTreeAsOf(database(), date, knownAt, scope);
      const figures = period ? await periodFigures(database(), period, null) : null;
      const items = [];
      let totalUnits = 0n;
      let totalPremiumKop = 0;
      for (const unit of units) {
        const members = await unitMembersAsOf(database(), unit.unitId, date, knownAt, scope);
        let volume = 0n;
        let premiumKop = 0;
        let newPolicies = 0;
        for (const member of members) {
          const found = figures?.byCode.get(member.code);
          if (!found) continue;
          volume += BigInt(found.raw.personal_volume_u);
          premiumKop += found.personalPremiumKop;
          newPolicies += found.newPolicies;
        }
        totalUnits += volume;
        totalPremiumKop += premiumKop;
        items.push({
          unitCode: unit.code,
          name: unit.name,
          parentCode: unit.parentCode,
          depth: unit.depth,
          consultants: members.length,
          personalVolume: pointsOf(volume),
          personalPremiumKop: premiumKop,
          newPolicies,
        });
      }
      return {
        period,
        calculated: !!figures,
        items,
        totalVolume: pointsOf(totalUnits),
        totalPremiumKop,
      };
    },
  );
};
