/**
 * The letter to an insurer drafted from a mismatch where we keep our value: plain text a person reads,
 * edits if need be, and sends through correspondence. The subject names the contract (`Договір №…`)
 * so the insurer's answer threads with it.
 */
export interface LetterDraft {
  subject: string;
  body: string;
}

const WHAT: Record<string, string> = {
  unknown_policy: 'договір, якого немає в нашому обліку',
  payment_unknown_policy: 'платіж за договором, якого немає в нашому обліку',
  premium_differs: 'суму страхового платежу',
  status_differs: 'статус договору',
  consultant_code_unknown: 'код агента',
  commission_differs: 'комісійну винагороду',
  commission_rate_differs: 'ставку комісійної винагороди',
  commission_amount_differs: 'суму комісійної винагороди',
  accepted_no_contract: 'прийняту заяву, за якою договір не надійшов',
  contract_without_application: 'договір без заяви',
  application_rejected_but_issued: 'договір за відхиленою заявою',
  other: 'дані',
};

export function draftLetter(m: {
  kind: string;
  policy_number: string | null;
  insurer_value: string | null;
  our_value: string | null;
  details: string | null;
  insurer_name: string;
  source_message_id: number | string | null;
  source_row: number | null;
}): LetterDraft {
  const about = m.policy_number ? `Договір №${m.policy_number}` : 'Звірка даних';
  const lines = [
    `Шановні колеги з ${m.insurer_name}!`,
    '',
    `Під час звірки ми виявили розбіжність: ${WHAT[m.kind] ?? WHAT.other}${m.policy_number ? ` за договором №${m.policy_number}` : ''}.`,
    `Ваші дані: ${m.insurer_value ?? '—'}.`,
    `Наші дані (узгоджені): ${m.our_value ?? '—'}.`,
    ...(m.details ? [`Подробиці: ${m.details}`] : []),
    ...(m.source_message_id
      ? [`Джерело: повідомлення ${m.source_message_id}${m.source_row ? `, рядок ${m.source_row}` : ''}.`]
      : []),
    '',
    'Просимо перевірити й надіслати виправлені дані.',
    '',
    'З повагою,',
    'бек-офіс',
  ];
  return { subject: `${about}: розбіжність — ${WHAT[m.kind] ?? WHAT.other}`, body: lines.join('\n') };
}
