/**
 * The network's forms: hire, transfer, terminate, rehire and a manual career change. Each sends what
 * the person typed to the API as it is (dates turned from dd.mm.yyyy to yyyy-mm-dd) and shows the
 * server's answer: a refusal next to the field the server names, anything else above the button.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, type SelectHTMLAttributes, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { Link } from 'react-router';
import { api, type Page } from '../../app/api';
import { useAuth } from '../../app/auth';
import { Field } from '../../app/components/Field';
import { fieldError, formError, sendForm } from '../../app/components/FormPost';
import { formatDate, parseDate } from '../../app/format';
import { today, type Unit } from './common';

/** A labelled select, its error tied to it like Field's. */
export function SelectField({
  label,
  error,
  children,
  ...select
}: { label: string; error?: string | null; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        {...select}
      >
        {children}
      </select>
      {error && (
        <span id={errorId} className="error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The open units on a date, for a unit select (the server's list, in its order). */
export function useUnits(asOf: string) {
  return useQuery({
    queryKey: ['units', asOf],
    queryFn: () => api.get<Page<Unit>>('/api/units', { asOf, pageSize: 500 }),
  });
}

/** A form's state: values, what the browser found wrong (dates), the server's refusal, its answer. */
function useForm(initial: Record<string, string>) {
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const bind = (name: string) => ({
    value: values[name],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value })),
  });
  const problem = (name: string) => local[name] ?? fieldError(error, name);
  return { values, setValues, local, setLocal, error, setError, busy, setBusy, done, setDone, bind, problem };
}

type FormState = ReturnType<typeof useForm>;

/** Dates of the form as yyyy-mm-dd, or null after marking the bad ones. */
function readDates(
  form: FormState,
  names: string[],
  badDate: string,
  optional: string[] = [],
): Record<string, string | undefined> | null {
  const out: Record<string, string | undefined> = {};
  const bad: Record<string, string> = {};
  for (const name of names) {
    const text = form.values[name].trim();
    if (!text && optional.includes(name)) continue;
    const date = parseDate(text);
    if (date) out[name] = date;
    else bad[name] = badDate;
  }
  form.setLocal(bad);
  return Object.keys(bad).length ? null : out;
}

/** A change inside a closed period is answered 202: kept as a change request for another person. */
interface Pending {
  status?: 'pending';
  changeRequest?: { id: number; closedPeriod: string };
}

function keptForApproval(t: TFunction<'network'>, request: { id: number; closedPeriod: string }) {
  return t('keptForApproval', { id: request.id, period: request.closedPeriod });
}

async function run(form: FormState, work: () => Promise<string>) {
  form.setError(null);
  form.setDone(null);
  form.setBusy(true);
  try {
    form.setDone(await work());
  } catch (error) {
    form.setError(error);
  } finally {
    form.setBusy(false);
  }
}

function Outcome({ form, fields }: { form: FormState; fields: string[] }) {
  const { t } = useTranslation('network');
  const message = formError(form.error, fields);
  return (
    <>
      {message && (
        <p role="alert" className="error">
          {t('serverSays', { message })}
        </p>
      )}
      {form.done && (
        <p role="status" className="done">
          {form.done}
        </p>
      )}
    </>
  );
}

function Submit({ form }: { form: FormState }) {
  const { t } = useTranslation('network');
  return (
    <button type="submit" disabled={form.busy}>
      {form.busy ? t('sending') : t('submit')}
    </button>
  );
}

const HIRE_FIELDS = [
  'code',
  'fullName',
  'taxNumber',
  'legalForm',
  'sponsorCode',
  'unitCode',
  'hiredOn',
  'reason',
];

export function HirePage() {
  const { t } = useTranslation('network');
  const { me } = useAuth();
  const client = useQueryClient();
  const units = useUnits(today());
  const form = useForm({
    code: '',
    fullName: '',
    taxNumber: '',
    legalForm: 'individual',
    sponsorCode: '',
    unitCode: '',
    hiredOn: formatDate(today()),
    reason: '',
  });
  const [hired, setHired] = useState<{ code: string; hiredOn: string } | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const dates = readDates(form, ['hiredOn'], t('badDate'));
    if (!dates) return;
    const v = form.values;
    void run(form, async () => {
      const answer = await sendForm<{ code: string }>('POST', '/api/consultants', {
        code: v.code.trim(),
        fullName: v.fullName.trim(),
        taxNumber: v.taxNumber.trim(),
        legalForm: v.legalForm,
        sponsorCode: v.sponsorCode.trim() || null,
        unitCode: v.unitCode,
        hiredOn: dates.hiredOn,
        recordedBy: me?.user.login ?? 'web',
        ...(v.reason.trim() ? { reason: v.reason.trim() } : {}),
      });
      await client.invalidateQueries();
      setHired({ code: answer.code, hiredOn: dates.hiredOn! });
      return t('hired', { code: answer.code });
    });
  };
  const p = (name: string) => form.problem(name);
  return (
    <>
      <h1>{t('hire')}</h1>
      <form onSubmit={submit} noValidate className="form">
        <Field label={t('code')} {...form.bind('code')} error={p('code')} required />
        <Field label={t('fullName')} {...form.bind('fullName')} error={p('fullName')} required />
        <Field
          label={t('taxNumber')}
          {...form.bind('taxNumber')}
          error={p('taxNumber')}
          inputMode="numeric"
          required
        />
        <SelectField label={t('legalForm')} {...form.bind('legalForm')} error={p('legalForm')}>
          <option value="individual">{t('legalForms.individual')}</option>
          <option value="sole_proprietor">{t('legalForms.sole_proprietor')}</option>
        </SelectField>
        <Field label={t('sponsor')} {...form.bind('sponsorCode')} error={p('sponsorCode')} />
        <SelectField label={t('unit')} {...form.bind('unitCode')} error={p('unitCode')} required>
          <option value="">{t('chooseUnit')}</option>
          {(units.data?.items ?? []).map((u) => (
            <option key={u.code} value={u.code}>
              {u.code} · {u.name}
            </option>
          ))}
        </SelectField>
        <Field label={t('hiredOn')} {...form.bind('hiredOn')} error={p('hiredOn')} inputMode="numeric" />
        <Field label={t('reason')} {...form.bind('reason')} error={p('reason')} />
        <Outcome form={form} fields={HIRE_FIELDS} />
        <Submit form={form} />
      </form>
      {hired && (
        <p>
          <Link to={`/network/consultants/${encodeURIComponent(hired.code)}?asOf=${hired.hiredOn}`}>
            {t('card', { code: hired.code })}
          </Link>
        </p>
      )}
    </>
  );
}

/** Transfer to another unit and/or sponsor from a date. */
export function TransferForm({ code, onDone }: { code: string; onDone: () => void }) {
  const { t } = useTranslation('network');
  const { me } = useAuth();
  const units = useUnits(today());
  const form = useForm({ unitCode: '', sponsorCode: '', toTop: '', effectiveOn: '', reason: '' });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const dates = readDates(form, ['effectiveOn'], t('badDate'));
    if (!dates) return;
    const v = form.values;
    void run(form, async () => {
      const answer = await sendForm<{ effectiveOn: string; requestedPeriods: string[] } & Pending>(
        'POST',
        `/api/consultants/${encodeURIComponent(code)}/transfer`,
        {
          ...(v.unitCode ? { unitCode: v.unitCode } : {}),
          ...(v.toTop
            ? { sponsorCode: null }
            : v.sponsorCode.trim()
              ? { sponsorCode: v.sponsorCode.trim() }
              : {}),
          effectiveOn: dates.effectiveOn,
          reason: v.reason.trim(),
          recordedBy: me?.user.login ?? 'web',
        },
      );
      onDone();
      if (answer.changeRequest) return keptForApproval(t, answer.changeRequest);
      return [
        t('transferred', { date: formatDate(answer.effectiveOn) }),
        answer.requestedPeriods.length
          ? t('periodsRequested', { periods: answer.requestedPeriods.join(', ') })
          : '',
      ].join(' ');
    });
  };
  const p = (name: string) => form.problem(name);
  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="transfer-heading">
      <h3 id="transfer-heading">{t('transfer')}</h3>
      <SelectField label={t('transferUnit')} {...form.bind('unitCode')} error={p('unitCode')}>
        <option value="">{t('keepUnit')}</option>
        {(units.data?.items ?? []).map((u) => (
          <option key={u.code} value={u.code}>
            {u.code} · {u.name}
          </option>
        ))}
      </SelectField>
      <Field label={t('transferSponsor')} {...form.bind('sponsorCode')} error={p('sponsorCode')} />
      <div className="check">
        <label>
          <input
            type="checkbox"
            checked={!!form.values.toTop}
            onChange={(e) => form.setValues((v) => ({ ...v, toTop: e.target.checked ? 'yes' : '' }))}
          />{' '}
          {t('sponsorToTop')}
        </label>
      </div>
      <Field label={t('effectiveOn')} {...form.bind('effectiveOn')} error={p('effectiveOn')} />
      <Field label={t('reason')} {...form.bind('reason')} error={p('reason')} />
      <Outcome form={form} fields={['unitCode', 'sponsorCode', 'effectiveOn', 'reason']} />
      <Submit form={form} />
    </form>
  );
}

/** Terminate (from a date) or rehire (from a date), with a reason. */
export function StatusForm({
  code,
  kind,
  onDone,
}: {
  code: string;
  kind: 'terminate' | 'rehire';
  onDone: () => void;
}) {
  const { t } = useTranslation('network');
  const { me } = useAuth();
  const dateField = kind === 'terminate' ? 'terminatedOn' : 'rehiredOn';
  const form = useForm({ date: '', reason: '' });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const dates = readDates(form, ['date'], t('badDate'));
    if (!dates) return;
    void run(form, async () => {
      const answer = await sendForm<{ from: string }>(
        'POST',
        `/api/consultants/${encodeURIComponent(code)}/${kind}`,
        { [dateField]: dates.date, reason: form.values.reason.trim(), recordedBy: me?.user.login ?? 'web' },
      );
      onDone();
      return t(kind === 'terminate' ? 'terminated' : 'rehired', { date: formatDate(answer.from) });
    });
  };
  const problem = (name: string) => form.problem(name);
  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby={`${kind}-heading`}>
      <h3 id={`${kind}-heading`}>{t(kind)}</h3>
      <Field
        label={t(dateField)}
        {...form.bind('date')}
        error={form.local.date ?? fieldError(form.error, dateField)}
      />
      <Field label={t('reason')} {...form.bind('reason')} error={problem('reason')} />
      <Outcome form={form} fields={[dateField, 'reason']} />
      <Submit form={form} />
    </form>
  );
}

export interface CareerLevel {
  code: string;
  name: string;
  rank: number;
}

/**
 * A manual career change from a date (levels: those of the plan in force, from the server). The
 * server says whether it is recorded or what it needs (e.g. an approval inside a closed period).
 */
export function CareerChangeForm({ code, onDone }: { code: string; onDone: () => void }) {
  const { t } = useTranslation('network');
  const { me } = useAuth();
  const form = useForm({ levelCode: '', validFrom: '', validTo: '', reason: '' });
  // The plan in force on the change's date (today's until a date is typed).
  const levelsOn = parseDate(form.values.validFrom) ?? today();
  const levels = useQuery({
    queryKey: ['career-levels', levelsOn],
    queryFn: () => api.get<{ items: CareerLevel[] }>('/api/careers/levels', { asOf: levelsOn }),
    placeholderData: (previous) => previous,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const dates = readDates(form, ['validFrom', 'validTo'], t('badDate'), ['validTo']);
    if (!dates) return;
    const v = form.values;
    void run(form, async () => {
      const answer = await sendForm<{ requestedPeriods?: string[]; message?: string } & Pending>(
        'POST',
        '/api/careers/changes',
        {
          consultantCode: code,
          levelCode: v.levelCode,
          validFrom: dates.validFrom,
          ...(dates.validTo ? { validTo: dates.validTo } : {}),
          reason: v.reason.trim(),
          recordedBy: me?.user.login ?? 'web',
        },
      );
      onDone();
      if (answer.changeRequest) return keptForApproval(t, answer.changeRequest);
      return [
        answer.message ?? t('careerRecorded'),
        answer.requestedPeriods?.length
          ? t('periodsRequested', { periods: answer.requestedPeriods.join(', ') })
          : '',
      ].join(' ');
    });
  };
  const p = (name: string) => form.problem(name);
  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="career-heading">
      <h3 id="career-heading">{t('careerChange')}</h3>
      <p className="muted">{t('careerNote')}</p>
      <SelectField label={t('levelCode')} {...form.bind('levelCode')} error={p('levelCode')}>
        <option value="">{t('chooseLevel')}</option>
        {(levels.data?.items ?? []).map((level) => (
          <option key={level.code} value={level.code}>
            {level.code} · {level.name}
          </option>
        ))}
      </SelectField>
      <Field label={t('careerValidFrom')} {...form.bind('validFrom')} error={p('validFrom')} />
      <Field label={t('careerValidTo')} {...form.bind('validTo')} error={p('validTo')} />
      <Field label={t('reason')} {...form.bind('reason')} error={p('reason')} />
      <Outcome form={form} fields={['levelCode', 'validFrom', 'validTo', 'reason']} />
      <Submit form={form} />
    </form>
  );
}
