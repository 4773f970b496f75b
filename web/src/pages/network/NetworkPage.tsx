/**
 * The network on any date: the sponsor tree (tops first; each node expands to its direct recruits,
 * read from the server level by level), a search by code or name, and the way to hire. The date, the
 * search and the branch shown live in the address.
 */
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, type Page } from '../../app/api';
import { useAuth } from '../../app/auth';
import { Field } from '../../app/components/Field';
import { type Column, PagedTable, Pager } from '../../app/components/Paged';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate, parseDate } from '../../app/format';
import { type ConsultantSummary, type TreeNode, useAsOf } from './common';

const LEVEL_PAGE = 100;

function TreeLevel({ asOf, from, level }: { asOf: string; from?: string; level: number }) {
  const { t } = useTranslation('network');
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['network-tree', asOf, from, level, page],
    queryFn: () =>
      api.get<Page<TreeNode>>('/api/network/tree', { asOf, from, level, page, pageSize: LEVEL_PAGE }),
  });
  if (list.isLoading) return <Loading />;
  if (list.error) return <ErrorMessage error={list.error} />;
  const data = list.data!;
  return (
    <>
      <ul role="list" className="tree">
        {data.items.map((node) => (
          <TreeItem key={node.code} node={node} asOf={asOf} />
        ))}
      </ul>
      {data.total > LEVEL_PAGE && (
        <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
      )}
      {data.items.length === 0 && <p>{t('nothing', { ns: 'common' })}</p>}
    </>
  );
}

function TreeItem({ node, asOf }: { node: TreeNode; asOf: string }) {
  const { t } = useTranslation('network');
  const [open, setOpen] = useState(false);
  const name = `${node.code} ${node.fullName}`;
  return (
    <li>
      <div className="tree-node">
        {node.directDownline > 0 ? (
          <button
            type="button"
            className="toggle"
            aria-expanded={open}
            aria-label={t(open ? 'collapse' : 'expand', { name })}
            onClick={() => setOpen(!open)}
          >
            {open ? '−' : '+'}
          </button>
        ) : (
          <span className="toggle-space" aria-hidden="true" />
        )}
        <Link to={`/network/consultants/${encodeURIComponent(node.code)}?asOf=${asOf}`}>
          {node.code} · {node.fullName}
        </Link>{' '}
        <span className="muted">
          ({t('downlineCount', { direct: node.directDownline, total: node.totalDownline })})
        </span>
      </div>
      {open && <TreeLevel asOf={asOf} from={node.code} level={1} />}
    </li>
  );
}

export function NetworkPage() {
  const { t } = useTranslation('network');
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const [asOf, setAsOf] = useAsOf();
  const search = params.get('q') ?? '';
  const from = params.get('from') ?? undefined;
  const [dateText, setDateText] = useState(formatDate(asOf));
  const [dateError, setDateError] = useState<string | null>(null);
  const [searchText, setSearchText] = useState(search);

  const applyDate = (event: FormEvent) => {
    event.preventDefault();
    const date = parseDate(dateText);
    if (!date) return setDateError(t('badDate'));
    setDateError(null);
    setAsOf(date);
  };
  const applySearch = (event: FormEvent) => {
    event.preventDefault();
    setParams((current) => {
      const copy = new URLSearchParams(current);
      if (searchText.trim()) copy.set('q', searchText.trim());
      else copy.delete('q');
      copy.delete('page');
      return copy;
    });
  };
  const columns: Column<ConsultantSummary>[] = [
    {
      header: t('code'),
      cell: (c) => (
        <Link to={`/network/consultants/${encodeURIComponent(c.code)}?asOf=${asOf}`}>{c.code}</Link>
      ),
    },
    { header: t('fullName'), cell: (c) => c.fullName },
    { header: t('unit'), cell: (c) => c.unitCode ?? '' },
    { header: t('status'), cell: (c) => t(`statuses.${c.status ?? 'none'}`) },
    { header: t('hiredOnLabel'), cell: (c) => formatDate(c.hiredOn) },
    {
      header: t('showInTree'),
      cell: (c) => (
        <Link to={`/network?asOf=${asOf}&from=${encodeURIComponent(c.code)}`}>{t('showInTree')}</Link>
      ),
    },
  ];
  return (
    <>
      <h1>{t('title')}</h1>
      {can('network.write') && (
        <p>
          <Link to="/network/hire">{t('hire')}</Link>
        </p>
      )}
      <div className="toolbar">
        <form onSubmit={applyDate} className="inline">
          <Field
            label={t('asOf')}
            value={dateText}
            onChange={(e) => setDateText(e.target.value)}
            error={dateError}
            inputMode="numeric"
          />
          <button type="submit">{t('show')}</button>
        </form>
        <form onSubmit={applySearch} className="inline" role="search">
          <Field
            label={t('searchLabel')}
            type="search"
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
          />
          <button type="submit">{t('find')}</button>
        </form>
      </div>
      {search && (
        <section aria-labelledby="found-heading">
          <h2 id="found-heading">{t('found')}</h2>
          <PagedTable<ConsultantSummary>
            path="/api/consultants"
            query={{ q: search, asOf }}
            columns={columns}
            rowKey={(c) => c.code}
            caption={t('searchCaption', { date: formatDate(asOf) })}
          />
        </section>
      )}
      <section aria-labelledby="tree-heading">
        <h2 id="tree-heading">
          {from ? t('branchOf', { code: from }) : t('treeCaption', { date: formatDate(asOf) })}
        </h2>
        {from && (
          <p>
            <Link to={`/network?asOf=${asOf}`}>{t('wholeTree')}</Link>
          </p>
        )}
        <TreeLevel key={`${asOf}/${from ?? ''}`} asOf={asOf} from={from} level={0} />
      </section>
    </>
  );
}
