/**
 * What every listing command shares: `--json` (the records as the API answers them), paging options
 * checked where they are read, and a last line that says which part of how many was shown and how
 * to see the rest, so a list never stops short without saying so.
 */
import type { Command } from 'commander';
import { wholeNumber } from './args';

/** The most rows one page can ask for. */
export const MAX_PAGE_SIZE = 500;

export const printJson = (value: unknown): void => console.log(JSON.stringify(value, null, 2));

/** `--json`, for a command that prints records (a list or one card). */
export function withJson(command: Command): Command {
  return command.option('--json', 'as JSON');
}

export interface PageOptions {
  page: number;
  pageSize: number;
  json?: boolean;
}

/** `--page <n>` and `--page-size <n>` (whole numbers, checked) and `--json`. */
export function pagedList(command: Command, pageSize = 50): Command {
  return withJson(
    command
      .option('--page <n>', 'page number', wholeNumber(1), 1)
      .option(
        '--page-size <n>',
        `rows per page (at most ${MAX_PAGE_SIZE})`,
        wholeNumber(1, MAX_PAGE_SIZE),
        pageSize,
      ),
  );
}

export interface WindowOptions {
  offset: number;
  limit: number;
  json?: boolean;
}

/** `--offset <n>` and `--limit <n>` (whole numbers, checked) and `--json`. */
export function windowedList(command: Command, limit: number, max = 10_000): Command {
  return withJson(
    command
      .option('--offset <n>', 'skip the first n', wholeNumber(0), 0)
      .option('--limit <n>', `at most n (up to ${max})`, wholeNumber(1, max), limit),
  );
}

/** The offset and limit of a page. */
export const pageWindow = (o: PageOptions) => ({ offset: (o.page - 1) * o.pageSize, limit: o.pageSize });

/** `page 2: 50 of 1234; --page 3 for more` (`page 1: 3 of 3` when nothing more). */
export function pageFooter(o: PageOptions, shown: number, total: number): string {
  const more = (o.page - 1) * o.pageSize + shown < total;
  return `page ${o.page}: ${shown} of ${total}${more ? `; --page ${o.page + 1} for more` : ''}`;
}

/** `showing 201–400 of 1234; --offset 400 for more (or a larger --limit)`, `showing 1–3 of 3`. */
export function windowFooter(o: WindowOptions, shown: number, total: number): string {
  const range = shown ? `${o.offset + 1}–${o.offset + shown}` : 'none';
  const more = o.offset + shown < total;
  return `showing ${range} of ${total}${more ? `; --offset ${o.offset + shown} for more (or a larger --limit)` : ''}`;
}

/** A page of records: each on its line and the footer, or the whole page as JSON. */
export function printPage<T>(
  o: PageOptions,
  page: { items: T[]; total: number },
  line: (item: T) => string,
): void {
  if (o.json) return printJson(page);
  for (const item of page.items) console.log(line(item));
  console.log(pageFooter(o, page.items.length, page.total));
}

/** A window of records (offset and limit): each on its line and the footer, or as JSON. */
export function printWindow<T>(
  o: WindowOptions,
  window: { items: T[]; total: number },
  line: (item: T) => string,
): void {
  if (o.json) return printJson({ ...window, offset: o.offset, limit: o.limit });
  for (const item of window.items) console.log(line(item));
  console.log(windowFooter(o, window.items.length, window.total));
}

/** Records that are not paged (a whole tree, a short list): each on its line, or as JSON. */
export function printAll<T>(o: { json?: boolean }, items: T[], line: (item: T) => string): void {
  if (o.json) return printJson(items);
  for (const item of items) console.log(line(item));
}
