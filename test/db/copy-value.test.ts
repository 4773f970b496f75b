/**
 * COPY's text format from the fast escaper is exactly what the regex escaper it replaced wrote, value
 * for value: plain text and numbers unchanged, every separator escaped, NULL as \N.
 */
import { copyRows, copyValue } from '../../src/db/copy-from-stdin';

/** The escaper as it was: a regex over every value. */
function regexCopyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'bigint'
        ? String(value)
        : typeof value === 'boolean'
          ? value
            ? 't'
            : 'f'
          : JSON.stringify(value);
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      )
    : text;
}

const tricky: unknown[] = [
  null,
  undefined,
  '',
  'plain ascii',
  'Особиста комісія: платіж 1\u00a0234,56 грн × 30% = 370,37 грн',
  'tab\there',
  '\t',
  'line\nbreak',
  '\n\n',
  'carriage\rreturn\r\n',
  'back\\slash',
  '\\',
  '\\N',
  'ends with backslash\\',
  '\\t literal backslash-t',
  'mixed \\ \t \n \r Ґґ Єє Її 𝄞 emoji 🙂',
  '{"s":"A-1","x":[["B\\"2",1]]}',
  0,
  -0,
  42,
  -17.5,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  12345678901234567890n,
  true,
  false,
  new Date('2026-03-31T23:59:59.999Z'),
  Buffer.from([0, 9, 10, 92, 255]),
  { a: 'x\ty', b: ['\\', '\n'] },
  ['Київ', 'line\nbreak'],
];

describe('COPY value escaper', () => {
  it.each(tricky.map((v, i) => [i, v]))(
    'value %i is written exactly as the regex escaper wrote it',
    (_, v) => {
      expect(copyValue(v)).toBe(regexCopyValue(v));
    },
  );

  it('a random mix of separators, Cyrillic and ASCII is written exactly as before', () => {
    const alphabet = ['a', 'Z', '0', ' ', 'ї', 'Ж', '\\', '\t', '\n', '\r', '"', '\u00a0', '🙂'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = next() % 40;
      for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
      expect(copyValue(text)).toBe(regexCopyValue(text));
    }
  });

  it('rows join their values with tabs and end each line with a newline', () => {
    expect(
      copyRows(
        [
          { a: 'x\ty', b: null, c: 5 },
          { a: 'ї\\', b: true, c: -1.5 },
        ],
        ['a', 'b', 'c'],
      ),
    ).toBe('x\\ty\t\\N\t5\nї\\\\\tt\t-1.5\n');
  });
});
