/**
 * Filing stored e-mail as correspondence: Polissia's letter about PL-ACC-0000452 becomes a thread
 * linked to that policy (and its consultant), waiting for us, with its PDF listed and downloadable
 * from the stored mail; answers and letters naming the same policy join it; an unknown sender waits
 * in the queue until assigned or dismissed; filing twice, or twice at once, files once.
 */
import {
  assignUnknownSender,
  attachmentContent,
  dismissUnknownSender,
  fileNewMail,
  listThreads,
  relinkThread,
  setThreadState,
  showThread,
} from '../../../back-office/correspondence';
import { describeEachEngine } from '../../support/engines';
import { compose, LETTER_POLICY, seedPolissia, storeReceived } from './world';

jest.setTimeout(60_000);

describeEachEngine('correspondence filing', (ctx) => {
  let policyId: number;
  let threadId: number;
  const person = { login: 'olena' };

  beforeAll(async () => {
    ({ policyId } = await seedPolissia(ctx.database));
  });

  it('files the letter about a policy into that policy’s thread, waiting for us', async () => {
    await storeReceived(ctx.database, LETTER_POLICY);
    const result = await fileNewMail(ctx.database);
    expect(result).toEqual({ filed: 1, skipped: 0, failed: [] });
    const page = await listThreads(ctx.database, { policyId, page: 1, pageSize: 10 });
    expect(page.total).toBe(1);
    const thread = page.items[0];
    threadId = thread.id;
    expect(thread).toMatchObject({
      insurer: 'POLISSIA',
      subject: 'Договір №PL-ACC-0000452: потрібна копія паспорта страхувальника',
      subjectKey: 'policy:PL-ACC-0000452',
      state: 'waiting_for_us',
      policyNumber: 'PL-ACC-0000452',
      consultantCode: 'K-00452',
      letters: 1,
    });
    const view = await showThread(ctx.database, threadId);
    expect(view.letters).toHaveLength(1);
    const letter = view.letters[0];
    expect(letter).toMatchObject({
      direction: 'inbound',
      mailMessageId: '<q-8812@polissia.example>',
      sender: 'i.hnatiuk@polissia.example',
      senderQueue: null,
    });
    expect(letter.text).toContain('PL-ACC-0000452');
    expect(letter.attachments).toEqual([
      {
        id: expect.any(Number),
        fileName: 'Запит.pdf',
        contentType: 'application/pdf',
        sizeBytes: expect.any(Number),
      },
    ]);
    const pdf = await attachmentContent(ctx.database, letter.attachments[0].id);
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    // The state change is in the audit trail with its author.
    const trail = await ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'reason'])
      .where('entity_kind', '=', 'correspondence_thread')
      .where('entity_id', '=', String(threadId))
      .execute();
    expect(trail).toEqual([
      {
        actor: 'system:correspondence',
        action: 'correspondence.opened',
        reason: 'received <q-8812@polissia.example>',
      },
    ]);
  });

  it('filing again files nothing; the same mail stored again is still one letter', async () => {
    await storeReceived(ctx.database, LETTER_POLICY);
    expect(await fileNewMail(ctx.database)).toEqual({ filed: 0, skipped: 0, failed: [] });
    const letters = await ctx.database.db.selectFrom('correspondence_letter').select('id').execute();
    expect(letters).toHaveLength(1);
  });

  it('two filers at once file each new message once, in one thread', async () => {
    const a = await compose({
      subject: 'Re: Договір №PL-ACC-0000452: потрібна копія паспорта страхувальника',
      inReplyTo: '<q-8812@polissia.example>',
      references: ['<q-8812@polissia.example>'],
      messageId: '<q-8813@polissia.example>',
    });
    const b = await compose({
      subject: 'Договір №PL-ACC-0000452 — нагадування',
      messageId: '<q-8814@polissia.example>',
    });
    await storeReceived(ctx.database, a);
    await storeReceived(ctx.database, b);
    const [one, two] = await Promise.all([fileNewMail(ctx.database), fileNewMail(ctx.database)]);
    expect(one.filed + two.filed).toBe(2);
    expect([...one.failed, ...two.failed]).toEqual([]);
    const view = await showThread(ctx.database, threadId);
    expect(view.letters.map((l) => l.mailMessageId)).toEqual([
      '<q-8812@polissia.example>',
      expect.stringMatching(/q-881[34]/),
      expect.stringMatching(/q-881[34]/),
    ]);
    expect((await listThreads(ctx.database, { page: 1, pageSize: 10 })).total).toBe(1);
  });

  it('a person closes the thread with a reason, and relinks it', async () => {
    await setThreadState(ctx.database, threadId, 'closed', person, 'відповіли телефоном');
    await expect(
      relinkThread(ctx.database, threadId, { policyNumber: 'PL-NOPE' }, person, 'x'),
    ).rejects.toThrow(/POLISSIA has no policy PL-NOPE/);
    const relinked = await relinkThread(
      ctx.database,
      threadId,
      { policyNumber: null, consultantCode: null },
      person,
      'не той договір',
    );
    expect(relinked).toMatchObject({ state: 'closed', policyId: null, consultantCode: null });
    const trail = await ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'reason'])
      .where('entity_id', '=', String(threadId))
      .where('actor', '=', 'olena')
      .orderBy('id')
      .execute();
    expect(trail).toEqual([
      { actor: 'olena', action: 'correspondence.state', reason: 'відповіли телефоном' },
      { actor: 'olena', action: 'correspondence.relinked', reason: 'не той договір' },
    ]);
    await relinkThread(ctx.database, threadId, { policyNumber: 'PL-ACC-0000452' }, person, 'таки той');
    expect((await listThreads(ctx.database, { policyId, page: 1, pageSize: 10 })).total).toBe(1);
  });

  it('mail from an unknown sender waits in the queue, never joins a thread, and can be assigned or dismissed', async () => {
    const forged = await compose({
      from: 'Хтось <someone@elsewhere.example>',
      subject: 'Re: Договір №PL-ACC-0000452',
      inReplyTo: '<q-8812@polissia.example>',
    });
    const spam = await compose({ from: 'spam@elsewhere.example', subject: 'Виграш!' });
    await storeReceived(ctx.database, forged, 'unknown-sender');
    await storeReceived(ctx.database, spam, 'unknown-sender');
    expect((await fileNewMail(ctx.database)).filed).toBe(2);
    const queue = await listThreads(ctx.database, { unknownSender: true, page: 1, pageSize: 10 });
    expect(queue.total).toBe(2);
    expect(
      queue.items.every((t) => t.insurer === null && t.policyId === null && t.pendingUnknown === 1),
    ).toBe(true);
    const [spamThread, forgedThread] = queue.items;
    expect(spamThread.subject).toBe('Виграш!');
    const forgedLetter = (await showThread(ctx.database, forgedThread.id)).letters[0];
    const assigned = await assignUnknownSender(
      ctx.database,
      forgedLetter.id,
      'POLISSIA',
      person,
      'новий співробітник Полісся',
    );
    expect(assigned).toMatchObject({
      insurer: 'POLISSIA',
      policyNumber: 'PL-ACC-0000452',
      pendingUnknown: 0,
    });
    await expect(
      assignUnknownSender(ctx.database, forgedLetter.id, 'POLISSIA', person, 'ще раз'),
    ).rejects.toThrow(/assigned already/);
    const spamLetter = (await showThread(ctx.database, spamThread.id)).letters[0];
    const dismissed = await dismissUnknownSender(ctx.database, spamLetter.id, person, 'реклама');
    expect(dismissed).toMatchObject({ state: 'closed', pendingUnknown: 0 });
    expect((await showThread(ctx.database, spamThread.id)).letters[0]).toMatchObject({
      senderQueue: 'dismissed',
      queueReason: 'реклама',
      queueBy: 'olena',
    });
    expect((await listThreads(ctx.database, { unknownSender: true, page: 1, pageSize: 10 })).total).toBe(0);
  });
});
