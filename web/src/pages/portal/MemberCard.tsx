/**
 * The portal's card of a consultant in the caller's downline (or of the caller): who they are, their
 * level and status, and their progress towards the next level. Anyone outside the scope: the server
 * answers 404 and the screen says there is no such page.
 */
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { ErrorMessage, Loading } from '../../app/components/Status';
import { formatDate } from '../../app/format';
import { ProgressView } from './Progress';
import { useCard } from './Results';
import { NS } from './shared';

export function MemberCardPage() {
  const { t } = useTranslation(NS);
  const { code = '' } = useParams();
  const card = useCard(code);
  if (card.isLoading) return <Loading />;
  if (card.error) return <ErrorMessage error={card.error} />;
  const c = card.data!;
  return (
    <>
      <h1>{t('memberTitle', { code: c.code })}</h1>
      <dl>
        <dt>{t('fullName')}</dt>
        <dd>{c.fullName}</dd>
        <dt>{t('level')}</dt>
        <dd>{c.level ?? '—'}</dd>
        <dt>{t('status')}</dt>
        <dd>{c.status ?? '—'}</dd>
        <dt>{t('unit')}</dt>
        <dd>{c.unit ? `${c.unit.name} (${c.unit.code})` : '—'}</dd>
        <dt>{t('hiredOn')}</dt>
        <dd>{formatDate(c.hiredOn)}</dd>
      </dl>
      <h2>{t('progressTitle')}</h2>
      <ProgressView code={c.code} period="" />
    </>
  );
}
