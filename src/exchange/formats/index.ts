/**
 * File formats of the exchange: streaming CSV (Windows-1251/UTF-8), XML without DTDs, XLSX, JSON,
 * field value conversions, and the name/size guards applied before parsing.
 */
export { readCsv, writeCsv, csvField, encodingProblem } from './csv';
export type { CsvReadOptions, CsvRow, CsvSource, CsvTrailerRule, TextEncoding } from './csv';
export { parseXml, selectXml, xmlNodeText, xmlText } from './xml';
export type { XmlDocument, XmlElement, XmlNode } from './xml';
export { readXlsx, XLSX_LIMITS } from './xlsx';
export { checkZipInflation, zipEntries } from './zip-guard';
export type { ZipEntry, ZipLimits } from './zip-guard';
export type { XlsxReadOptions, XlsxRow } from './xlsx';
export { parseJson } from './json';
export { headerProblem } from './header';
export type { HeaderCheck } from './header';
export { checkFileName, checkSize, checkFileSize, emptyFile } from './limits';
export {
  kopiykyFromDecimalComma,
  kopiykyFromDecimalPoint,
  formatDecimalComma,
  formatDecimalPoint,
  isoFromDottedDate,
  isoFromIsoDate,
  dottedFromIsoDate,
  isCalendarDate,
  percentText,
  intFromText,
  parseTimestamp,
  dateOfTimestamp,
  dateFormatIn,
} from './values';
export type { ParsedTimestamp } from './values';
