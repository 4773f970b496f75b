import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExchangeError } from '../../../src/exchange/errors';
import {
  checkFileName,
  checkFileSize,
  parseXml,
  selectXml,
  xmlNodeText,
  parseJson,
} from '../../../src/exchange/formats';

function refusal(fn: () => unknown): ExchangeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    return err as ExchangeError;
  }
  throw new Error('expected a refusal');
}

describe('parseXml', () => {
  it('keeps attributes and repeated elements', () => {
    const doc = parseXml(
      '<?xml version="1.0"?><L xmlns="urn:k"><P n="1"><E k="a"/><E k="b"/></P><P n="2">x &amp; &#1050;</P></L>',
      'l.xml',
    );
    expect(doc.rootName).toBe('L');
    expect(selectXml(doc.root, 'P/@n')).toEqual(['1', '2']);
    expect(selectXml(doc.root, 'P/E/@k')).toEqual(['a', 'b']);
    expect(selectXml(doc.root, "P/E[@k='b']/@k")).toEqual(['b']);
    expect(xmlNodeText(selectXml(doc.root, 'P')[1])).toBe('x & К');
  });

  it('refuses an entity bomb before expanding anything', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><PolicyPage>&lol3;</PolicyPage>`;
    const err = refusal(() => parseXml(bomb, 'bomb.xml'));
    expect(err.toJSON()).toMatchObject({ kind: 'parse', file: 'bomb.xml' });
    expect(err.message).toMatch(/DOCTYPE/);
  });

  it('refuses an external entity', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PolicyPage>&xxe;</PolicyPage>`;
    const err = refusal(() => parseXml(Buffer.from(xxe), 'xxe.xml'));
    expect(err.file).toBe('xxe.xml');
    expect(err.message).toMatch(/refused/);
  });

  it('reports malformed XML with its line', () => {
    const err = refusal(() => parseXml('<a>\n<b></a>', 'bad.xml'));
    expect(err.kind).toBe('parse');
    expect(err.row).toBe(2);
  });

  it('says a 0-byte document is empty and what to do about it', () => {
    expect(refusal(() => parseXml(Buffer.alloc(0), 'payments-2026-10.xml')).toJSON()).toMatchObject({
      kind: 'parse',
      file: 'payments-2026-10.xml',
      message: expect.stringMatching(/empty \(0 bytes\).*ask the insurer/),
    });
  });

  it('refuses a non-UTF-8 payload', () => {
    expect(
      refusal(() => parseXml(Buffer.from([0x3c, 0x61, 0x3e, 0xcf, 0x3c, 0x2f, 0x61, 0x3e]), 'w.xml')).message,
    ).toMatch(/not valid UTF-8/);
  });
});

describe('guards before parsing', () => {
  it('refuses file names that could leave the spool folder', () => {
    expect(checkFileName('CONTRACTS_20261002.csv', /^CONTRACTS_(\d{8})\.csv$/)).toBe(
      'CONTRACTS_20261002.csv',
    );
    for (const bad of [
      '../CONTRACTS_20261002.csv',
      '..',
      'a/../../etc/passwd',
      'in\\x.csv',
      '.done',
      'a\u0000.csv',
      '',
    ]) {
      expect(refusal(() => checkFileName(bad)).message).toMatch(/file name refused/);
    }
    expect(refusal(() => checkFileName('CONTRACTS_2026.csv', '^CONTRACTS_(\\d{8})\\.csv$')).message).toMatch(
      /does not match/,
    );
  });

  it('refuses a file over the adapter limit without reading it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'limits-'));
    const file = path.join(dir, 'CONTRACTS_20261002.csv');
    writeFileSync(file, Buffer.alloc(2048, 0x41));
    await expect(checkFileSize(file, 4096)).resolves.toBe(2048);
    await expect(checkFileSize(file, 1024, 'CONTRACTS_20261002.csv')).rejects.toMatchObject({
      kind: 'parse',
      file: 'CONTRACTS_20261002.csv',
      message: expect.stringMatching(/2048 bytes, over the adapter's limit of 1024/),
    });
  });

  it('reports bad JSON as a parse error', () => {
    expect(refusal(() => parseJson('{"a":', 'x.json')).kind).toBe('parse');
  });
});
