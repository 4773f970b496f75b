/**
 * The fixed part of the demo agency: the three insurers and their products exactly as their spec
 * sheets name them (/work/shared/insurers/<insurer>/SPEC.md), the career ladder, the units and the
 * staff logins (one per role; src/auth holds the roles).
 */

export type InsurerCode = 'DNIPRO_LIFE' | 'KARPATY' | 'POLISSIA';

export interface DemoInsurer {
  code: InsurerCode;
  name: string;
  /** ЄДРПОУ */
  companyCode: string;
}

export const INSURERS: readonly DemoInsurer[] = [
  { code: 'DNIPRO_LIFE', name: 'ПрАТ «СК «Дніпро Життя»»', companyCode: '30115942' },
  { code: 'KARPATY', name: 'ПрАТ «Карпати Страхування»', companyCode: '21870998' },
  { code: 'POLISSIA', name: 'ТДВ «СК «Полісся»»', companyCode: '33908150' },
];

export type ProductGroup = 'savings' | 'term_life' | 'motor' | 'property' | 'accident' | 'travel' | 'mtpl';

export interface DemoProduct {
  insurer: InsurerCode;
  code: string;
  name: string;
  group: ProductGroup;
  /** Contract term in years; null for travel cover, which runs for the days of the trip. */
  termYears: number | null;
  /** Agreed intermediary rate, % of premium, policy year 1 and renewal years. */
  firstYearRatePct: string;
  renewalRatePct: string;
  /** Share of the demo's sales. */
  salesWeight: number;
}

// Karpaty and Polissia agree one rate; it applies to every policy year.
export const PRODUCTS: readonly DemoProduct[] = [
  {
    insurer: 'DNIPRO_LIFE',
    code: 'DL-SAV10',
    name: '«Надійне майбутнє», накопичувальне страхування життя на 10 років',
    group: 'savings',
    termYears: 10,
    firstYearRatePct: '25',
    renewalRatePct: '8',
    salesWeight: 11,
  },
  {
    insurer: 'DNIPRO_LIFE',
    code: 'DL-SAV20',
    name: '«Надійне майбутнє», накопичувальне страхування життя на 20 років',
    group: 'savings',
    termYears: 20,
    firstYearRatePct: '30',
    renewalRatePct: '8',
    salesWeight: 8,
  },
  {
    insurer: 'DNIPRO_LIFE',
    code: 'DL-RISK1',
    name: '«Захист», строкове страхування життя на 1 рік з поновленням',
    group: 'term_life',
    termYears: 1,
    firstYearRatePct: '20',
    renewalRatePct: '20',
    salesWeight: 8,
  },
  {
    insurer: 'KARPATY',
    code: 'KASKO-STD',
    name: 'КАСКО «Стандарт»',
    group: 'motor',
    termYears: 1,
    firstYearRatePct: '15',
    renewalRatePct: '15',
    salesWeight: 12,
  },
  {
    insurer: 'KARPATY',
    code: 'KASKO-PRM',
    name: 'КАСКО «Преміум»',
    group: 'motor',
    termYears: 1,
    firstYearRatePct: '17',
    renewalRatePct: '17',
    salesWeight: 5,
  },
  {
    insurer: 'KARPATY',
    code: 'PROP-HOME',
    name: '«Мій дім», страхування майна',
    group: 'property',
    termYears: 1,
    firstYearRatePct: '25',
    renewalRatePct: '25',
    salesWeight: 9,
  },
  {
    insurer: 'KARPATY',
    code: 'ACC-FAM',
    name: '«Сімейний захист», страхування від нещасних випадків',
    group: 'accident',
    termYears: 1,
    firstYearRatePct: '30',
    renewalRatePct: '30',
    salesWeight: 6,
  },
  {
    insurer: 'POLISSIA',
    code: 'TRV-EU',
    name: 'Медичне страхування подорожуючих, Європа',
    group: 'travel',
    termYears: null,
    firstYearRatePct: '30',
    renewalRatePct: '30',
    salesWeight: 16,
  },
  {
    insurer: 'POLISSIA',
    code: 'ACC-IND',
    name: 'Індивідуальне страхування від нещасних випадків',
    group: 'accident',
    termYears: 1,
    firstYearRatePct: '35',
    renewalRatePct: '35',
    salesWeight: 10,
  },
  {
    insurer: 'POLISSIA',
    code: 'OSCPV',
    name: 'Обов’язкове страхування цивільно-правової відповідальності власників наземних транспортних засобів (ОСЦПВ)',
    group: 'mtpl',
    termYears: 1,
    firstYearRatePct: '12',
    renewalRatePct: '12',
    salesWeight: 15,
  },
];

export interface DemoLevel {
  code: string;
  name: string;
  rank: number;
}

export const CAREER_LEVELS: readonly DemoLevel[] = [
  { code: 'CONSULTANT', name: 'Консультант', rank: 1 },
  { code: 'SENIOR_CONSULTANT', name: 'Старший консультант', rank: 2 },
  { code: 'MANAGER', name: 'Менеджер', rank: 3 },
  { code: 'SENIOR_MANAGER', name: 'Старший менеджер', rank: 4 },
  { code: 'DIRECTOR', name: 'Директор', rank: 5 },
];

export interface DemoUnit {
  code: string;
  name: string;
  city: string;
  /** The first letters of the city's car plates (for the vehicles of its clients). */
  plateRegion: string;
}

export const HEAD_OFFICE: DemoUnit = { code: 'HQ', name: 'Головний офіс', city: 'Київ', plateRegion: 'АА' };

/** Branches under the head office; each is headed by one of the network's top consultants. */
export const BRANCHES: readonly DemoUnit[] = [
  { code: 'KYIV', name: 'Київська філія', city: 'Київ', plateRegion: 'АА' },
  { code: 'LVIV', name: 'Львівська філія', city: 'Львів', plateRegion: 'ВС' },
  { code: 'DNIPRO', name: 'Дніпровська філія', city: 'Дніпро', plateRegion: 'АЕ' },
];

export interface DemoStaffUser {
  login: string;
  fullName: string;
  email: string;
  role: 'administrator' | 'integration' | 'back_office' | 'manager';
  /** The unit a manager reads, with its sub-units. */
  unitCode?: string;
}

export const STAFF_USERS: readonly DemoStaffUser[] = [
  { login: 'admin', fullName: 'Адміністратор системи', email: 'admin@agency.example', role: 'administrator' },
  {
    login: 'backoffice',
    fullName: 'Гнатюк Оксана Василівна',
    email: 'o.hnatiuk@agency.example',
    role: 'back_office',
  },
  {
    login: 'integration',
    fullName: 'Стасюк Денис Олегович',
    email: 'd.stasiuk@agency.example',
    role: 'integration',
  },
  {
    login: 'manager',
    fullName: 'Левицький Ярослав Богданович',
    email: 'y.levytskyi@agency.example',
    role: 'manager',
    unitCode: 'LVIV',
  },
];

/** Consultant codes the insurers' sample files use; the demo keeps them as active consultants. */
export const SAMPLE_CONSULTANT_CODES: readonly string[] = [
  'K-00012',
  'K-00013',
  'K-00021',
  'K-00031',
  'K-00032',
  'K-00047',
];

/** The consultant who gets a login of their own in the demo. */
export const CONSULTANT_LOGIN_CODE = 'K-00012';

/**
 * Policy and application numbers and tax numbers the sample files carry: the demo never issues
 * them, so loading a sample creates its own records instead of clashing with demo ones.
 */
export const SAMPLE_POLICY_NUMBERS: readonly string[] = [
  ...Array.from({ length: 12 }, (_, i) => `DL-2026-${String(101 + i).padStart(6, '0')}`),
  'KR-KS-26-004411',
  'KR-KS-26-004412',
  'KR-KS-26-004413',
  'PL-TRV-0001931',
  'PL-ACC-0000452',
  'PL-ACC-0000460',
  'PL-ACC-0000999',
  'PL-OSC-0077120',
];

export const SAMPLE_TAX_NUMBERS: readonly string[] = [
  '2845102317',
  '3012345678',
  '2567890123',
  '3398765432',
  '2733344556',
  '3120987654',
  '2987654321',
  '3456789012',
  '2611122233',
  '3277788899',
  '2899900011',
  '3344455566',
];
