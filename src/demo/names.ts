/**
 * Ukrainian people and companies for the demo: full names in the right male and female forms
 * (surname, first name, patronymic), РНОКПП tax numbers built the way the tax service builds them,
 * phones, e-mail addresses and vehicles.
 */
import type { IsoDate } from '../db';
import { addDays, daysBetween } from './calendar';
import type { Random } from './random';

export type Sex = 'male' | 'female';

/** Surnames that change with sex: [male, female]. */
const ADJECTIVAL_SURNAMES: readonly (readonly [string, string])[] = [
  ['Ковальський', 'Ковальська'],
  ['Лозинський', 'Лозинська'],
  ['Вишневський', 'Вишневська'],
  ['Сосновський', 'Сосновська'],
  ['Грушевський', 'Грушевська'],
  ['Заболотний', 'Заболотна'],
  ['Чорний', 'Чорна'],
  ['Городецький', 'Городецька'],
  ['Зарицький', 'Зарицька'],
  ['Яворський', 'Яворська'],
  ['Підгірний', 'Підгірна'],
  ['Кобилянський', 'Кобилянська'],
  ['Левицький', 'Левицька'],
  ['Тернавський', 'Тернавська'],
  ['Гладкий', 'Гладка'],
  ['Білецький', 'Білецька'],
  ['Стрийський', 'Стрийська'],
  ['Рудий', 'Руда'],
];

/** Surnames that are the same for men and women. */
const NEUTRAL_SURNAMES: readonly string[] = [
  'Шевченко',
  'Коваленко',
  'Бондаренко',
  'Ткаченко',
  'Кравченко',
  'Олійник',
  'Шевчук',
  'Поліщук',
  'Бойко',
  'Ткачук',
  'Мельник',
  'Кравчук',
  'Лисенко',
  'Савченко',
  'Руденко',
  'Мороз',
  'Марченко',
  'Петренко',
  'Клименко',
  'Павленко',
  'Савчук',
  'Іваненко',
  'Кузьменко',
  'Литвиненко',
  'Гончаренко',
  'Романенко',
  'Левченко',
  'Мазур',
  'Карпенко',
  'Кушнір',
  'Пономаренко',
  'Панченко',
  'Остапчук',
  'Гриценко',
  'Захарченко',
  'Яковенко',
  'Тимошенко',
  'Дячук',
  'Юрченко',
  'Ковальчук',
  'Василенко',
  'Вакуленко',
  'Білоус',
  'Гребенюк',
  'Костенко',
  'Нестеренко',
  'Сидоренко',
  'Приходько',
  'Пилипенко',
  'Головко',
  'Дорошенко',
  'Грищенко',
  'Гуменюк',
  'Федоренко',
  'Онищенко',
  'Мартинюк',
  'Степанюк',
  'Зінченко',
  'Антоненко',
  'Кириленко',
  'Демченко',
  'Білик',
  'Хоменко',
  'Андрієнко',
  'Стасюк',
  'Процюк',
  'Гнатюк',
  'Семенюк',
  'Дмитрук',
  'Михайлюк',
  'Цимбалюк',
  'Бабич',
  'Стець',
  'Микитюк',
  'Гавриш',
  'Дзюба',
  'Ярема',
  'Лукашевич',
  'Рибак',
  'Собко',
  'Панасюк',
  'Чумак',
  'Сорока',
  'Гордієнко',
];

/** Men's first names with the patronymics they give: [name, son's, daughter's]. */
const MALE_NAMES: readonly (readonly [string, string, string])[] = [
  ['Олександр', 'Олександрович', 'Олександрівна'],
  ['Андрій', 'Андрійович', 'Андріївна'],
  ['Сергій', 'Сергійович', 'Сергіївна'],
  ['Володимир', 'Володимирович', 'Володимирівна'],
  ['Дмитро', 'Дмитрович', 'Дмитрівна'],
  ['Микола', 'Миколайович', 'Миколаївна'],
  ['Іван', 'Іванович', 'Іванівна'],
  ['Петро', 'Петрович', 'Петрівна'],
  ['Василь', 'Васильович', 'Василівна'],
  ['Юрій', 'Юрійович', 'Юріївна'],
  ['Олег', 'Олегович', 'Олегівна'],
  ['Віктор', 'Вікторович', 'Вікторівна'],
  ['Михайло', 'Михайлович', 'Михайлівна'],
  ['Богдан', 'Богданович', 'Богданівна'],
  ['Тарас', 'Тарасович', 'Тарасівна'],
  ['Ігор', 'Ігорович', 'Ігорівна'],
  ['Роман', 'Романович', 'Романівна'],
  ['Максим', 'Максимович', 'Максимівна'],
  ['Анатолій', 'Анатолійович', 'Анатоліївна'],
  ['Степан', 'Степанович', 'Степанівна'],
  ['Григорій', 'Григорович', 'Григорівна'],
  ['Ярослав', 'Ярославович', 'Ярославівна'],
  ['Олексій', 'Олексійович', 'Олексіївна'],
  ['Віталій', 'Віталійович', 'Віталіївна'],
  ['Євген', 'Євгенович', 'Євгенівна'],
  ['Павло', 'Павлович', 'Павлівна'],
  ['Назар', 'Назарович', 'Назарівна'],
  ['Остап', 'Остапович', 'Остапівна'],
  ['Леонід', 'Леонідович', 'Леонідівна'],
  ['Валерій', 'Валерійович', 'Валеріївна'],
  ['Костянтин', 'Костянтинович', 'Костянтинівна'],
  ['Денис', 'Денисович', 'Денисівна'],
  ['Артем', 'Артемович', 'Артемівна'],
  ['Вадим', 'Вадимович', 'Вадимівна'],
  ['Руслан', 'Русланович', 'Русланівна'],
  ['Федір', 'Федорович', 'Федорівна'],
  ['Семен', 'Семенович', 'Семенівна'],
  ['Орест', 'Орестович', 'Орестівна'],
  ['Любомир', 'Любомирович', 'Любомирівна'],
  ['Борис', 'Борисович', 'Борисівна'],
  ['Кирило', 'Кирилович', 'Кирилівна'],
  ['Данило', 'Данилович', 'Данилівна'],
];

const FEMALE_NAMES: readonly string[] = [
  'Олена',
  'Наталія',
  'Ірина',
  'Оксана',
  'Марія',
  'Тетяна',
  'Світлана',
  'Юлія',
  'Ольга',
  'Людмила',
  'Галина',
  'Ганна',
  'Катерина',
  'Вікторія',
  'Анастасія',
  'Христина',
  'Софія',
  'Надія',
  'Лариса',
  'Валентина',
  'Інна',
  'Алла',
  'Дарина',
  'Олександра',
  'Ярослава',
  'Зоряна',
  'Уляна',
  'Соломія',
  'Марта',
  'Леся',
  'Лілія',
  'Віра',
  'Любов',
  'Діана',
  'Богдана',
  'Мирослава',
  'Тамара',
  'Романа',
];

export interface PersonName {
  sex: Sex;
  surname: string;
  firstName: string;
  patronymic: string;
  /** As Ukrainian documents write it: surname, first name, patronymic. */
  fullName: string;
}

/** The family a surname belongs to, so relatives share it in the right form. */
export interface Family {
  male: string;
  female: string;
}

export function randomFamily(random: Random): Family {
  if (random.chance(0.18)) {
    const [male, female] = random.pick(ADJECTIVAL_SURNAMES);
    return { male, female };
  }
  const surname = random.pick(NEUTRAL_SURNAMES);
  return { male: surname, female: surname };
}

export function randomName(random: Random, sex: Sex, family: Family = randomFamily(random)): PersonName {
  const surname = sex === 'male' ? family.male : family.female;
  const firstName = sex === 'male' ? random.pick(MALE_NAMES)[0] : random.pick(FEMALE_NAMES);
  const father = random.pick(MALE_NAMES);
  const patronymic = sex === 'male' ? father[1] : father[2];
  return { sex, surname, firstName, patronymic, fullName: `${surname} ${firstName} ${patronymic}` };
}

/** Weights of the РНОКПП check digit (State Tax Service algorithm). */
const TAX_WEIGHTS = [-1, 5, 7, 9, 4, 6, 10, 5, 7];

export function taxNumberCheckDigit(first9: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += TAX_WEIGHTS[i] * Number(first9[i]);
  return (((sum % 11) + 11) % 11) % 10;
}

/**
 * РНОКПП: five digits of days since 31.12.1899 to the birth date, a four-digit serial whose last
 * digit is odd for men and even for women, and a check digit.
 */
export function taxNumber(random: Random, birthDate: IsoDate, sex: Sex): string {
  const days = String(daysBetween('1899-12-31', birthDate)).padStart(5, '0');
  const serial = String(random.int(0, 999)).padStart(3, '0');
  const sexDigit = random.int(0, 4) * 2 + (sex === 'male' ? 1 : 0);
  const first9 = `${days}${serial}${sexDigit}`;
  return first9 + String(taxNumberCheckDigit(first9));
}

/** ЄДРПОУ of a company: eight digits (the check digit is not modelled). */
export function companyCode(random: Random): string {
  return String(random.int(30_000_000, 44_999_999));
}

/** Birth date of someone `minAge`..`maxAge` years old on `onDate`. */
export function birthDate(random: Random, onDate: IsoDate, minAge: number, maxAge: number): IsoDate {
  return addDays(onDate, -random.int(Math.round(minAge * 365.25), Math.round(maxAge * 365.25)));
}

const COMPANY_FORMS = ['ТОВ', 'ТОВ', 'ТОВ', 'ПП', 'ПрАТ'];
const COMPANY_FIRST = [
  'Галицька',
  'Дніпровська',
  'Київська',
  'Подільська',
  'Західна',
  'Східна',
  'Нова',
  'Перша',
  'Столична',
  'Карпатська',
];
const COMPANY_SECOND = [
  'логістика',
  'будівельна компанія',
  'агроінвест',
  'торгова мережа',
  'транспортна група',
  'пекарня',
  'меблева фабрика',
  'автосервіс',
  'фармація',
  'енергія',
];

export function randomCompanyName(random: Random): string {
  return `${random.pick(COMPANY_FORMS)} «${random.pick(COMPANY_FIRST)} ${random.pick(COMPANY_SECOND)}»`;
}

const MOBILE_CODES = ['50', '63', '66', '67', '68', '73', '93', '95', '96', '97', '98', '99'];

export function randomPhone(random: Random): string {
  const n = String(random.int(0, 9_999_999)).padStart(7, '0');
  return `+380 ${random.pick(MOBILE_CODES)} ${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5)}`;
}

// Official Ukrainian transliteration (Cabinet of Ministers resolution 55, 2010).
const TRANSLIT: Record<string, [string, string]> = {
  а: ['a', 'a'],
  б: ['b', 'b'],
  в: ['v', 'v'],
  г: ['h', 'h'],
  ґ: ['g', 'g'],
  д: ['d', 'd'],
  е: ['e', 'e'],
  є: ['ye', 'ie'],
  ж: ['zh', 'zh'],
  з: ['z', 'z'],
  и: ['y', 'y'],
  і: ['i', 'i'],
  ї: ['yi', 'i'],
  й: ['y', 'i'],
  к: ['k', 'k'],
  л: ['l', 'l'],
  м: ['m', 'm'],
  н: ['n', 'n'],
  о: ['o', 'o'],
  п: ['p', 'p'],
  р: ['r', 'r'],
  с: ['s', 's'],
  т: ['t', 't'],
  у: ['u', 'u'],
  ф: ['f', 'f'],
  х: ['kh', 'kh'],
  ц: ['ts', 'ts'],
  ч: ['ch', 'ch'],
  ш: ['sh', 'sh'],
  щ: ['shch', 'shch'],
  ь: ['', ''],
  ю: ['yu', 'iu'],
  я: ['ya', 'ia'],
  "'": ['', ''],
  '’': ['', ''],
};

export function transliterate(text: string): string {
  let out = '';
  const lower = text.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const ch = lower[i];
    if (ch === 'г' && lower[i - 1] === 'з') {
      out += 'gh';
      continue;
    }
    const pair = TRANSLIT[ch];
    const atStart = i === 0 || !/[а-яіїєґ']/.test(lower[i - 1]);
    out += pair ? pair[atStart ? 0 : 1] : ch;
  }
  return out;
}

const MAKES = [
  'Toyota Corolla',
  'Toyota RAV4',
  'Volkswagen Passat',
  'Volkswagen Golf',
  'Skoda Octavia',
  'Skoda Kodiaq',
  'Renault Duster',
  'Hyundai Tucson',
  'Kia Sportage',
  'Mazda CX-5',
  'Nissan Qashqai',
  'BMW X3',
  'Audi A4',
];
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
// Letters Ukrainian plates use (those that look the same in Latin).
const PLATE_LETTERS = 'АВСЕНІКМОРТХ';

export interface Vehicle {
  make: string;
  vin: string;
  plate: string;
  year: number;
}

export function randomVehicle(random: Random, regionCode: string, onDate: IsoDate): Vehicle {
  let vin = '';
  for (let i = 0; i < 17; i++) vin += VIN_CHARS[random.int(0, VIN_CHARS.length - 1)];
  const digits = String(random.int(0, 9999)).padStart(4, '0');
  const suffix = PLATE_LETTERS[random.int(0, 11)] + PLATE_LETTERS[random.int(0, 11)];
  const year = Number(onDate.slice(0, 4)) - random.int(0, 12);
  return { make: random.pick(MAKES), vin, plate: `${regionCode}${digits}${suffix}`, year };
}
