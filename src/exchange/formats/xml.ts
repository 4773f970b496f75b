/**
 * XML reading for insurer documents (Karpaty Partner API v2). A DOCTYPE or ENTITY declaration is
 * refused before any parser sees the text: insurers have no need for one, and it is how entity
 * bombs and external-entity reads get in. Attributes are kept; every element is read as an array so
 * that one and many repeated elements (Policy, Endorsement) look the same to the mapping engine.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ExchangeError } from '../errors';
import { emptyFile } from './limits';

/** A parsed element: attributes under `@name`, text under `#text`, children by local name (arrays). */
export type XmlElement = { [key: string]: XmlNode[] | string | undefined };
export type XmlNode = XmlElement | string;

export interface XmlDocument {
  /** Local name of the document element, e.g. `PolicyPage`. */
  rootName: string;
  root: XmlElement;
}

const FORBIDDEN = /<!\s*(DOCTYPE|ENTITY)/i;

/** The first byte that is not a BOM or white space is not `<`: a CSV or a letter, not XML. */
function notXml(payload: string | Buffer): boolean {
  const bytes = typeof payload === 'string' ? Buffer.from(payload.slice(0, 64), 'utf8') : payload;
  let i = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0;
  while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i])) i++;
  return i < bytes.length && bytes[i] !== 0x3c;
}

/** Text of an XML payload, refusing anything that is not UTF-8 or that declares a DOCTYPE/ENTITY. */
export function xmlText(payload: string | Buffer, file: string): string {
  if (notXml(payload)) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message:
        'the file is not an XML document: it does not begin with a < tag (is it a CSV or another kind of file?)',
    });
  }
  let text: string;
  if (typeof payload === 'string') {
    text = payload;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    } catch {
      throw new ExchangeError({ kind: 'parse', file, message: 'wrong encoding: the XML is not valid UTF-8' });
    }
  }
  const forbidden = FORBIDDEN.exec(text);
  if (forbidden) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `refused: the document declares <!${forbidden[1].toUpperCase()}> (DTDs and entity declarations are not accepted)`,
    });
  }
  const declared = /^\s*<\?xml[^>]*encoding=["']([^"']+)["']/i.exec(text);
  if (declared && !/^utf-?8$/i.test(declared[1])) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `the XML declares encoding ${declared[1]}; only UTF-8 is accepted`,
    });
  }
  return text.replace(/^\ufeff/, '');
}

/** Parses an insurer XML document; throws ExchangeError (kind parse) naming the file and line. */
export function parseXml(payload: string | Buffer, file: string): XmlDocument {
  if (payload.length === 0) throw emptyFile(file);
  const text = xmlText(payload, file);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      row: valid.err.line,
      message: `malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    });
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    // Decodes numeric character references (&#1050;); named DTD entities never get this far.
    htmlEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (_name, _jpath, _isLeaf, isAttribute) => !isAttribute,
  });
  let parsed: Record<string, XmlNode[]>;
  try {
    parsed = parser.parse(text) as Record<string, XmlNode[]>;
  } catch (err) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `cannot parse XML: ${(err as Error).message}`,
      cause: err,
    });
  }
  const names = Object.keys(parsed).filter((k) => !k.startsWith('?'));
  if (names.length !== 1 || parsed[names[0]].length !== 1) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: 'the XML must have exactly one document element',
    });
  }
  const rootNode = parsed[names[0]][0];
  const root: XmlElement = typeof rootNode === 'string' ? { '#text': rootNode } : rootNode;
  return { rootName: names[0], root };
}

/**
 * Nodes at a path below an element: `Endorsements/Endorsement`, `Product/@code`, `Holder/FullName`,
 * `Endorsement[@kind='cancellation']/@effective`. `.` is the element itself. Text of an element with
 * attributes is its `#text`.
 */
export function selectXml(element: XmlElement, path: string): XmlNode[] {
  let current: XmlNode[] = [element];
  for (const segment of path.split('/').filter((s) => s !== '' && s !== '.')) {
    const m = /^(@?[^[\]]+)(?:\[@([^=\]]+)=['"]?([^'"\]]*)['"]?\])?$/.exec(segment);
    if (!m) throw new RangeError(`bad XML path segment '${segment}' in '${path}'`);
    const [, name, predAttr, predValue] = m;
    const next: XmlNode[] = [];
    for (const node of current) {
      if (typeof node === 'string') continue;
      const value = node[name];
      if (value === undefined) continue;
      if (typeof value === 'string') next.push(value);
      else next.push(...value);
    }
    current =
      predAttr === undefined
        ? next
        : next.filter((n) => typeof n !== 'string' && n[`@${predAttr}`] === predValue);
  }
  return current;
}

/** The text of a selected node: an attribute's value, an element's text, or '' for an empty element. */
export function xmlNodeText(node: XmlNode): string {
  if (typeof node === 'string') return node;
  const text = node['#text'];
  return typeof text === 'string' ? text : Array.isArray(text) ? String(text[0] ?? '') : '';
}
