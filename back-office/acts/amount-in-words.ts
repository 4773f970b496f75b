/**
 * The sum in words that an act of completed work carries, in the form Ukrainian accountants write:
 * hryvnias in words, kopiyky in two digits with the agreeing noun, first letter capital:
 * 1 234 567,89 → "Один мільйон двісті тридцять чотири тисячі п'ятсот шістдесят сім гривень 89 копійок".
 * Гривня and тисяча are feminine (одна, дві), мільйон and мільярд masculine (один, два).
 */

type Gender = 'masculine' | 'feminine';

const UNITS: Record<Gender, string[]> = {
  masculine: ['', 'один', 'два', 'три', 'чотири', "п'ять", 'шість', 'сім', 'вісім', "дев'ять"],
  feminine: ['', 'одна', 'дві', 'три', 'чотири', "п'ять", 'шість', 'сім', 'вісім', "дев'ять"],
};
const TEENS = [
  'десять',
  'одинадцять',
  'дванадцять',
  'тринадцять',
  'чотирнадцять',
  "п'ятнадцять",
  'шістнадцять',
  'сімнадцять',
  'вісімнадцять',
  "дев'ятнадцять",
];
const TENS = [
  '',
  '',
  'двадцять',
  'тридцять',
  'сорок',
  "п'ятдесят",
  'шістдесят',
  'сімдесят',
  'вісімдесят',
  "дев'яносто",
];
const HUNDREDS = [
  '',
  'сто',
  'двісті',
  'триста',
  'чотириста',
  "п'ятсот",
  'шістсот',
  'сімсот',
  'вісімсот',
  "дев'ятсот",
];

/** Noun forms for 1, for 2–4, and for 5–20 and 0 (e.g. гривня, гривні, гривень). */
export type NounForms = readonly [one: string, few: string, many: string];

export const HRYVNIA: NounForms = ['гривня', 'гривні', 'гривень'];
export const KOPIYKA: NounForms = ['копійка', 'копійки', 'копійок'];

const SCALES: { value: number; gender: Gender; forms: NounForms }[] = [
  { value: 1e12, gender: 'masculine', forms: ['трильйон', 'трильйони', 'трильйонів'] },
  { value: 1e9, gender: 'masculine', forms: ['мільярд', 'мільярди', 'мільярдів'] },
  { value: 1e6, gender: 'masculine', forms: ['мільйон', 'мільйони', 'мільйонів'] },
  { value: 1e3, gender: 'feminine', forms: ['тисяча', 'тисячі', 'тисяч'] },
];

/** The noun form that agrees with a whole number: 1, 21 → one; 2–4, 22 → few; 0, 5–20, 111 → many. */
export function pluralForm(n: number, forms: NounForms): string {
  const lastTwo = Math.abs(n) % 100;
  const last = lastTwo % 10;
  if (lastTwo >= 11 && lastTwo <= 19) return forms[2];
  if (last === 1) return forms[0];
  if (last >= 2 && last <= 4) return forms[1];
  return forms[2];
}

/** 0–999 in words, the units agreeing with the gender of the noun that follows. */
function triadWords(n: number, gender: Gender): string[] {
  const words: string[] = [];
  const hundreds = Math.trunc(n / 100);
  const rest = n % 100;
  if (hundreds) words.push(HUNDREDS[hundreds]);
  if (rest >= 10 && rest <= 19) words.push(TEENS[rest - 10]);
  else {
    if (rest >= 20) words.push(TENS[Math.trunc(rest / 10)]);
    if (rest % 10) words.push(UNITS[gender][rest % 10]);
  }
  return words;
}

/** A whole number in words, agreeing with a noun of the given gender ("нуль" for 0). */
export function numberInWords(n: number, gender: Gender = 'masculine'): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${n} is not a whole number of at least zero`);
  if (n === 0) return 'нуль';
  if (n >= 1e15) throw new RangeError(`${n} is too large to write in words`);
  const words: string[] = [];
  let rest = n;
  for (const scale of SCALES) {
    const count = Math.trunc(rest / scale.value);
    rest %= scale.value;
    if (count === 0) continue;
    words.push(...triadWords(count, scale.gender), pluralForm(count, scale.forms));
  }
  words.push(...triadWords(rest, gender));
  return words.join(' ');
}

/**
 * An amount in kopiyky as the act writes it: "Дві тисячі сорок одна гривня 05 копійок".
 * Negative amounts are refused: an act never pays a negative sum.
 */
export function amountInWords(amountKop: number): string {
  if (!Number.isSafeInteger(amountKop)) throw new RangeError(`${amountKop} is not a whole number of kopiyky`);
  if (amountKop < 0)
    throw new RangeError(`a negative amount (${amountKop} kopiyky) cannot be written in words on an act`);
  const hryvnias = Math.trunc(amountKop / 100);
  const kopiyky = amountKop % 100;
  const words = `${numberInWords(hryvnias, 'feminine')} ${pluralForm(hryvnias, HRYVNIA)} ${String(kopiyky).padStart(2, '0')} ${pluralForm(kopiyky, KOPIYKA)}`;
  return words.charAt(0).toUpperCase() + words.slice(1);
}
