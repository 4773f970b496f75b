/**
 * Generates a Dnipro Life contracts file (spec v3.2 §3, CONTRACTS_<yyyymmdd>.csv) of any size, by
 * streaming: Windows-1251, CRLF, `;`, the exact header, quoted names, amounts like `12 345,67`.
 * Used by the import benchmark and the kill -9 crash test; deterministic for a given seed.
 *
 *   npx tsx bench/generate-dnipro-contracts.ts <out.csv> [rows] [--consultants N] [--unknown-pct P]
 */
import { createWriteStream } from 'node:fs';
import iconv from 'iconv-lite';

export const CONTRACT_COLUMNS = [
  'Номер договору',
  'Номер заяви',
  'Дата укладення',
  'Дата початку',
  'Дата закінчення',
  'Код продукту',
  'Страхувальник',
  'РНОКПП',
  'Страхова сума',
  'Річна премія',
  'Періодичність',
  'Код агента',
  'Статус',
  'Дата статусу',
] as const;

export interface GenerateOptions {
  rows: number;
  /** Consultants K-00001..K-<n> exist in the hub; codes are drawn from them. */
  consultants: number;
  /** Share of rows (in %) naming an agent code the hub does not know (K-9xxxxx). */
  unknownAgentPct?: number;
  seed?: number;
  /** Called every 100 000 rows. */
  onProgress?: (rows: number) => void;
}

export interface GeneratedFile {
  rows: number;
  bytes: number;
  /** Rows whose agent code is unknown to the hub. */
  unknownAgents: number;
  /** Distinct policyholders (tax numbers). */
  persons: number;
}

const SURNAMES = [
  'Шевченко',
  'Коваленко',
  'Бондаренко',
  'Ткаченко',
  'Кравченко',
  'Олійник',
  'Мельник',
  'Шевчук',
  'Поліщук',
  'Лисенко',
  'Бойко',
  'Савченко',
  'Руденко',
  'Мороз',
  'Марченко',
  "Дем'яненко",
  'Павленко',
  'Гончаренко',
  'Романенко',
  'Левченко',
];
const MALE = [
  'Тарас',
  'Ігор',
  'Андрій',
  'Олександр',
  'Микола',
  'Дмитро',
  'Василь',
  'Юрій',
  'Богдан',
  'Сергій',
];
const FEMALE = [
  'Олена',
  'Марія',
  'Ірина',
  'Наталія',
  'Оксана',
  'Тетяна',
  'Юлія',
  'Галина',
  'Світлана',
  'Ганна',
];
const SONS_OF = ['Григорович', 'Петрович', 'Іванович', 'Васильович', 'Михайлович', 'Степанович', 'Олегович'];
const DAUGHTERS_OF = [
  'Григорівна',
  'Петрівна',
  'Іванівна',
  'Василівна',
  'Михайлівна',
  'Степанівна',
  'Олегівна',
];
const PRODUCTS = [
  { code: 'DL-SAV10', years: 10, premiumPct: 6 },
  { code: 'DL-SAV20', years: 20, premiumPct: 3 },
  { code: 'DL-RISK1', years: 1, premiumPct: 1 },
];
const FREQUENCIES = ['1', '2', '4', '12'];
const NBSP = '\u00a0';

/** xorshift32: the same file for the same seed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function dotted(day: Date): string {
  return `${pad(day.getUTCDate(), 2)}.${pad(day.getUTCMonth() + 1, 2)}.${day.getUTCFullYear()}`;
}

function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * 86_400_000);
}

function addYears(day: Date, years: number): Date {
  const d = new Date(day);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/** `12 345,67` with a space or a no-break space between thousands, as the insurer writes. */
function amount(kop: number, nbsp: boolean): string {
  const whole = String(Math.floor(kop / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, nbsp ? NBSP : ' ');
  return `${whole},${pad(kop % 100, 2)}`;
}

function personName(i: number): string {
  const surname = SURNAMES[i % SURNAMES.length];
  const female = (i >> 3) % 2 === 1;
  const first = (female ? FEMALE : MALE)[(i >> 4) % 10];
  const patronymic = (female ? DAUGHTERS_OF : SONS_OF)[(i >> 7) % 7];
  return `${surname} ${first} ${patronymic}`;
}

/** The tax number of person i: 10 digits, distinct per person. */
function taxNumber(i: number): string {
  return String(2_000_000_000 + i * 7).padStart(10, '0');
}

export function policyNumber(n: number): string {
  return `DL-2026-${pad(n, 7)}`;
}

/** The lines of the file (header first), in batches, as text. */
export function* contractLines(options: GenerateOptions): Generator<string[], GeneratedFile> {
  const next = random(options.seed ?? 20261002);
  const unknownPct = options.unknownAgentPct ?? 1;
  const personCount = Math.max(1, Math.floor(options.rows * 0.9));
  const usedPersons = new Set<number>();
  const base = new Date(Date.UTC(2026, 0, 1));
  let unknownAgents = 0;
  let batch: string[] = [CONTRACT_COLUMNS.join(';')];
  for (let n = 1; n <= options.rows; n++) {
    const product = PRODUCTS[Math.floor(next() * PRODUCTS.length)];
    const issued = addDays(base, Math.floor(next() * 300));
    const start = addDays(issued, 1 + Math.floor(next() * 14));
    const end = addDays(addYears(start, product.years), -1);
    const person = Math.floor(next() * personCount);
    if (usedPersons.size < 5_000_000) usedPersons.add(person);
    const sumKop = (50 + Math.floor(next() * 950)) * 1000_00;
    const premiumKop = Math.round((sumKop * product.premiumPct) / 100) + Math.floor(next() * 100);
    const unknown = next() * 100 < unknownPct;
    if (unknown) unknownAgents++;
    const agent = unknown
      ? `K-9${pad(Math.floor(next() * 99_999), 5)}`
      : `K-${pad(1 + Math.floor(next() * options.consultants), 5)}`;
    const roll = next();
    const status = roll < 0.9 ? 'ДІЄ' : roll < 0.97 ? 'РОЗІРВАНО' : 'ЗАВЕРШЕНО';
    const statusDate = status === 'ДІЄ' ? start : addDays(start, 30 + Math.floor(next() * 60));
    const application = next() < 0.25 ? `Z-2026-${pad(n, 7)}` : '';
    batch.push(
      [
        policyNumber(n),
        application,
        dotted(issued),
        dotted(start),
        dotted(end),
        product.code,
        `"${personName(person)}"`,
        taxNumber(person),
        amount(sumKop, n % 5 === 0),
        amount(premiumKop, n % 5 === 0),
        FREQUENCIES[Math.floor(next() * FREQUENCIES.length)],
        agent,
        status,
        dotted(statusDate),
      ].join(';'),
    );
    if (batch.length >= 5000) {
      yield batch;
      batch = [];
    }
    if (n % 100_000 === 0) options.onProgress?.(n);
  }
  if (batch.length) yield batch;
  return { rows: options.rows, bytes: 0, unknownAgents, persons: usedPersons.size };
}

/** Writes the file by streaming (memory does not grow with the row count). */
export async function writeContractsFile(file: string, options: GenerateOptions): Promise<GeneratedFile> {
  const out = createWriteStream(file);
  let bytes = 0;
  const lines = contractLines(options);
  let step = lines.next();
  try {
    while (!step.done) {
      const chunk = iconv.encode(step.value.join('\r\n') + '\r\n', 'win1251');
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      step = lines.next();
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  return { ...step.value, bytes };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const [file, rows] = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file) {
    console.error('usage: generate-dnipro-contracts.ts <out.csv> [rows] [--consultants N] [--unknown-pct P]');
    process.exit(2);
  }
  writeContractsFile(file, {
    rows: Number(rows ?? 1_000_000),
    consultants: option('consultants', 10_000),
    unknownAgentPct: option('unknown-pct', 1),
  }).then(
    (r) => console.log(JSON.stringify(r)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
