/**
 * A server-paged list: the page number lives in the URL (`?page=`), so back/forward and a shared
 * link land on the same page; the server pages, counts and sorts, the table only shows.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, type Page, type Query } from '../api';
import { ErrorMessage, Loading } from './Status';

export interface Column<T> {
  /** Already translated. */
  header: string;
  cell: (row: T) => ReactNode;
  /** Right-aligned (money, counts). */
  numeric?: boolean;
}

export function usePageNumber(): [number, (page: number) => void] {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  return [
    page,
    (next) =>
      setParams((current) => {
        const copy = new URLSearchParams(current);
        copy.set('page', String(next));
        return copy;
      }),
  ];
}

/** One page of `path` with `query`, re-read when either changes. */
export function usePagedList<T>(path: string, query: Query, page: number, pageSize = 50) {
  return useQuery({
    queryKey: [path, query, page, pageSize],
    queryFn: () => api.get<Page<T>>(path, { ...query, page, pageSize }),
    placeholderData: keepPreviousData,
  });
}

export function Pager({
  page,
  pageSize,
  total,
  onPage,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
}) {
  const { t } = useTranslation();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav className="pager" aria-label={t('pageOf', { page, pages, total })}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('previous')}
      </button>
      <span>{t('pageOf', { page, pages, total })}</span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('next')}
      </button>
    </nav>
  );
}

/** A table of one server page of `path`, with its pager. */
export function PagedTable<T>({
  path,
  query = {},
  columns,
  rowKey,
  caption,
  captionHidden,
  pageSize = 50,
}: {
  path: string;
  query?: Query;
  columns: Column<T>[];
  rowKey: (row: T) => string | number;
  caption: string;
  /** As DataTable's: the caption for screen readers only, under a heading that says the same. */
  captionHidden?: boolean;
  pageSize?: number;
}) {
  const { t } = useTranslation();
  const [page, setPage] = usePageNumber();
  const list = usePagedList<T>(path, query, page, pageSize);
  if (list.isLoading) return <Loading />;
  if (list.error) return <ErrorMessage error={list.error} />;
  const data = list.data!;
  return (
    <>
      <DataTable
        caption={caption}
        captionHidden={captionHidden}
        columns={columns}
        rows={data.items}
        rowKey={rowKey}
      />
      {data.items.length === 0 && <p>{t('nothing')}</p>}
      <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
    </>
  );
}

export function DataTable<T>({
  caption,
  captionHidden,
  columns,
  rows,
  rowKey,
}: {
  caption: string;
  /** The caption stays for screen readers but is not shown (a heading above already says it). */
  captionHidden?: boolean;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
}) {
  return (
    <table>
      <caption className={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.header} scope="col" className={column.numeric ? 'numeric' : undefined}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {columns.map((column) => (
              <td key={column.header} className={column.numeric ? 'numeric' : undefined}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
