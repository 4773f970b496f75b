/**
 * The demo's agent network: consultants recruited one by one into a sponsor tree of exactly six
 * levels under three top consultants (one per branch), with their careers and activity statuses,
 * plus a few sponsor changes and promotions of the past months so history has something to show.
 */
import type { ActivityStatus, CareerSource, IsoDate } from '../db';
import { OPEN_END } from '../db/bitemporal';
import { addDays, addMonths, addYears, dateBetween, daysBetween, maxDate, momentOn } from './calendar';
import {
  birthDate,
  type PersonName,
  randomName,
  randomPhone,
  type Sex,
  taxNumber,
  transliterate,
} from './names';
import type { Random } from './random';
import { BRANCHES, CAREER_LEVELS, SAMPLE_CONSULTANT_CODES } from './reference';

/** How deep the sponsor tree goes: the top consultants are level 1, the deepest level 6. */
export const NETWORK_DEPTH = 6;

export interface DemoStatusSpan {
  status: ActivityStatus;
  validFrom: IsoDate;
  validTo: IsoDate;
}

export interface DemoConsultant {
  code: string;
  name: PersonName;
  taxNumber: string;
  birthDate: IsoDate;
  legalForm: 'individual' | 'sole_proprietor';
  email: string;
  phone: string;
  hiredOn: IsoDate;
  terminatedOn: IsoDate | null;
  unitCode: string;
  /** The sponsor at hire (code), null for the top of the network. */
  sponsorCode: string | null;
  /** The level as first recorded; a promotion in `promotions` may raise it later. */
  initialLevel: string;
  statuses: DemoStatusSpan[];
  /** Sales are made before this date (exclusive): termination, going inactive, or today. */
  salesUntil: IsoDate;
}

export interface DemoSponsorChange {
  consultantCode: string;
  sponsorCode: string;
  validFrom: IsoDate;
  recordedAt: Date;
  reason: string;
}

export interface DemoPromotion {
  consultantCode: string;
  levelCode: string;
  source: CareerSource;
  validFrom: IsoDate;
  recordedAt: Date;
  reason: string;
}

export interface DemoNetwork {
  consultants: DemoConsultant[];
  sponsorChanges: DemoSponsorChange[];
  promotions: DemoPromotion[];
  /** Depth of the tree as it stands today (after the sponsor changes). */
  maxDepth: number;
  /** Codes of the top consultants, who head the branches, in branch order. */
  branchHeads: string[];
}

interface Node {
  parent: number | null;
  depth: number;
  hiredOn: IsoDate;
  unit: number;
  children: number[];
  onChain: boolean;
}

const DEPTH_APPEAL = [0, 2.2, 2.0, 1.6, 1.2, 0.8];

function levelCode(rank: number): string {
  return CAREER_LEVELS.find((l) => l.rank === rank)!.code;
}

function rankOf(code: string): number {
  return CAREER_LEVELS.find((l) => l.code === code)!.rank;
}

/** Builds a network of `count` consultants as of `today`; `windowStart` opens the recent months. */
export function generateNetwork(
  random: Random,
  count: number,
  today: IsoDate,
  windowStart: IsoDate,
): DemoNetwork {
  const nodes: Node[] = [];
  const add = (parent: number | null, hiredOn: IsoDate, unit: number, onChain = false): number => {
    const depth = parent === null ? 1 : nodes[parent].depth + 1;
    nodes.push({ parent, depth, hiredOn, unit, children: [], onChain });
    if (parent !== null) nodes[parent].children.push(nodes.length - 1);
    return nodes.length - 1;
  };

  // The three who built the agency head its branches, hired years apart.
  BRANCHES.forEach((_, unit) => add(null, addDays(addYears(today, -11 + unit), random.int(0, 60)), unit));

  // One line of recruits reaches the sixth level, so the tree is exactly six deep.
  let tip = 0;
  while (nodes[tip].depth < NETWORK_DEPTH)
    tip = add(tip, addDays(nodes[tip].hiredOn, random.int(300, 450)), 0, true);
  nodes[0].onChain = true;

  const latestRecruiterHire = addDays(today, -90);
  while (nodes.length < count) {
    const weights = nodes.map((n) =>
      n.depth < NETWORK_DEPTH && n.hiredOn <= latestRecruiterHire
        ? DEPTH_APPEAL[n.depth] / (1 + 0.6 * n.children.length)
        : 0,
    );
    let r = random.next() * weights.reduce((s, w) => s + w, 0);
    let parent = 0;
    for (; parent < weights.length - 1; parent++) if ((r -= weights[parent]) < 0) break;
    const hiredOn = dateBetween(random, addDays(nodes[parent].hiredOn, 45), addDays(today, -14));
    const unit = random.chance(0.94) ? nodes[parent].unit : random.int(0, BRANCHES.length - 1);
    add(parent, hiredOn, unit);
  }

  // Codes follow the order of hiring, as the agency hands them out.
  const order = nodes
    .map((_, i) => i)
    .sort((a, b) =>
      nodes[a].hiredOn < nodes[b].hiredOn ? -1 : nodes[a].hiredOn > nodes[b].hiredOn ? 1 : a - b,
    );
  const codeOf = new Array<string>(nodes.length);
  order.forEach((nodeIndex, position) => (codeOf[nodeIndex] = `K-${String(position + 1).padStart(5, '0')}`));

  const descendants = (i: number): number => nodes[i].children.reduce((s, c) => s + 1 + descendants(c), 0);
  const protectedCodes = new Set(SAMPLE_CONSULTANT_CODES);
  // A few have left and some went quiet; the top, the six-level line and the consultants the
  // insurers' sample files cite stay active.
  const mayLeave = (i: number) =>
    nodes[i].parent !== null && !protectedCodes.has(codeOf[i]) && !nodes[i].onChain;
  const tenureOf = (i: number) => daysBetween(nodes[i].hiredOn, today);
  const chooseSome = (candidates: number[], count: number): Set<number> => {
    const chosen = new Set<number>();
    const pool = [...candidates];
    while (chosen.size < count && pool.length > 0)
      chosen.add(pool.splice(random.int(0, pool.length - 1), 1)[0]);
    return chosen;
  };
  const leaving = chooseSome(
    order.filter((i) => mayLeave(i) && nodes[i].children.length === 0 && tenureOf(i) >= 400),
    Math.round(count * 0.03),
  );
  const quiet = chooseSome(
    order.filter((i) => mayLeave(i) && !leaving.has(i) && tenureOf(i) >= 260),
    Math.round(count * 0.09),
  );
  const usedNames = new Set<string>();
  const usedTax = new Set<string>();
  const usedEmails = new Set<string>();

  const consultants: DemoConsultant[] = order.map((i) => {
    const node = nodes[i];
    const code = codeOf[i];
    const sex: Sex = random.chance(0.62) ? 'female' : 'male';
    let name = randomName(random, sex);
    while (usedNames.has(name.fullName)) name = randomName(random, sex);
    usedNames.add(name.fullName);
    const born = birthDate(random, node.hiredOn, 22, 48);
    let tax = taxNumber(random, born, sex);
    while (usedTax.has(tax)) tax = taxNumber(random, born, sex);
    usedTax.add(tax);
    let email = `${transliterate(name.firstName)}.${transliterate(name.surname)}@agency.example`;
    for (let n = 2; usedEmails.has(email); n++) email = email.replace(/\d*@/, `${n}@`);
    usedEmails.add(email);

    const tenure = daysBetween(node.hiredOn, today);
    const downline = descendants(i);
    const rank =
      node.parent === null
        ? 5
        : downline >= 15
          ? 4
          : downline >= 4
            ? 3
            : downline >= 1 || tenure >= 730
              ? 2
              : 1;

    let terminatedOn: IsoDate | null = null;
    let statuses: DemoStatusSpan[] = [{ status: 'active', validFrom: node.hiredOn, validTo: OPEN_END }];
    let salesUntil = today;
    if (leaving.has(i)) {
      terminatedOn = dateBetween(random, addDays(node.hiredOn, 180), addDays(today, -30));
      salesUntil = terminatedOn;
      statuses = [
        { status: 'active', validFrom: node.hiredOn, validTo: terminatedOn },
        { status: 'terminated', validFrom: terminatedOn, validTo: OPEN_END },
      ];
    } else if (quiet.has(i)) {
      // Inactive: no sales for the last three months before the status was derived.
      const inactiveFrom = dateBetween(
        random,
        maxDate(addDays(node.hiredOn, 150), addDays(today, -330)),
        addDays(today, -95),
      );
      salesUntil = addDays(inactiveFrom, -90);
      statuses = [
        { status: 'active', validFrom: node.hiredOn, validTo: inactiveFrom },
        { status: 'inactive', validFrom: inactiveFrom, validTo: OPEN_END },
      ];
    }

    return {
      code,
      name,
      taxNumber: tax,
      birthDate: born,
      legalForm: random.chance(0.3) ? 'sole_proprietor' : 'individual',
      email,
      phone: randomPhone(random),
      hiredOn: node.hiredOn,
      terminatedOn,
      unitCode: BRANCHES[node.unit].code,
      sponsorCode: node.parent === null ? null : codeOf[node.parent],
      initialLevel: levelCode(rank),
      statuses,
      salesUntil,
    };
  });
  const nodeOf = new Map(order.map((i) => [codeOf[i], i]));
  const isActive = (c: DemoConsultant) => c.statuses[c.statuses.length - 1].status === 'active';

  // Six recent months, first days; history lands on them.
  const months = Array.from({ length: 6 }, (_, k) => addMonths(windowStart, k));

  const promotions: DemoPromotion[] = [];
  const promotable = consultants.filter(
    (c) =>
      c.sponsorCode !== null &&
      isActive(c) &&
      rankOf(c.initialLevel) >= 2 &&
      daysBetween(c.hiredOn, windowStart) >= 365,
  );
  const promotionMonths = [0, 1, 3, 4, 5];
  for (let k = 0; k < promotionMonths.length && promotable.length > 0; k++) {
    const c = promotable.splice(random.int(0, promotable.length - 1), 1)[0];
    const rank = rankOf(c.initialLevel);
    const levelName = CAREER_LEVELS.find((l) => l.rank === rank)!.name;
    c.initialLevel = levelCode(rank - 1);
    const validFrom = months[promotionMonths[k]];
    const calculated = k < 3;
    promotions.push({
      consultantCode: c.code,
      levelCode: levelCode(rank),
      source: calculated ? 'calculation' : 'manual',
      validFrom,
      recordedAt: momentOn(addDays(validFrom, random.int(2, 6)), 10, random.int(0, 59)),
      reason: calculated
        ? `Виконано кваліфікаційні умови рівня «${levelName}»`
        : `Рішення керівника філії: підвищення до рівня «${levelName}»`,
    });
  }

  // Sponsor changes move a consultant (and the downline) to another sponsor in the same branch,
  // never below the sixth level and never into their own downline.
  const sponsorChanges: DemoSponsorChange[] = [];
  const height = (i: number): number => 1 + Math.max(0, ...nodes[i].children.map(height));
  const inSubtree = (root: number, i: number): boolean =>
    i === root || nodes[root].children.some((c) => inSubtree(c, i));
  const setDepth = (i: number, depth: number): void => {
    nodes[i].depth = depth;
    nodes[i].children.forEach((c) => setDepth(c, depth + 1));
  };
  const movable = consultants.filter(
    (c) =>
      c.sponsorCode !== null &&
      isActive(c) &&
      !nodes[nodeOf.get(c.code)!].onChain &&
      daysBetween(c.hiredOn, windowStart) >= 365,
  );
  for (const monthIndex of [1, 3, 4]) {
    const validFrom = months[monthIndex];
    for (let attempt = 0; attempt < 50 && movable.length > 0; attempt++) {
      const c = movable.splice(random.int(0, movable.length - 1), 1)[0];
      const x = nodeOf.get(c.code)!;
      const candidates = consultants.filter((s) => {
        const si = nodeOf.get(s.code)!;
        return (
          s.unitCode === c.unitCode &&
          isActive(s) &&
          si !== nodes[x].parent &&
          !inSubtree(x, si) &&
          nodes[si].depth + height(x) <= NETWORK_DEPTH &&
          s.hiredOn < validFrom
        );
      });
      if (candidates.length === 0) continue;
      const s = random.pick(candidates);
      const si = nodeOf.get(s.code)!;
      const old = nodes[x].parent!;
      nodes[old].children = nodes[old].children.filter((n) => n !== x);
      nodes[x].parent = si;
      nodes[si].children.push(x);
      setDepth(x, nodes[si].depth + 1);
      sponsorChanges.push({
        consultantCode: c.code,
        sponsorCode: s.code,
        validFrom,
        recordedAt: momentOn(addDays(validFrom, -random.int(1, 5)), 11, random.int(0, 59)),
        reason: 'Перехід до іншого спонсора за заявою консультанта, погоджено керівником філії',
      });
      break;
    }
  }

  return {
    consultants,
    sponsorChanges,
    promotions,
    maxDepth: Math.max(...nodes.map((n) => n.depth)),
    branchHeads: BRANCHES.map((_, unit) => codeOf[unit]),
  };
}
