/**
 * The production Karpaty adapter trusts only the certificate registered in the secrets folder
 * (`signature.verifyWith: secret:…`), never the sandbox certificate shipped with Karpaty's spec, whose
 * private key anyone with the spec (or once, the repository) holds. The spec's samples are signed
 * with that key: through the real pipeline they must be refused and nothing of them applied.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAdapter } from '../../../src/exchange/adapter-config';
import { type ExchangeDeps, processMessage, receive } from '../../../src/exchange/pipeline';
import { signXml, verifyXml } from '../../../src/exchange/signature';
import { KARPATY_SPEC_CERTIFICATE } from '../../sandbox';
import { describeEachEngine } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const ROOT = path.resolve(__dirname, '../../..');
const signedBySpecKey = fs.readFileSync(path.join(ROOT, 'adapters/karpaty/__fixtures__/policies-page-1.xml'));
const specCertificate = fs.readFileSync(KARPATY_SPEC_CERTIFICATE, 'utf8');

describeEachEngine('the production Karpaty adapter and the spec sandbox key', (ctx) => {
  let fileNo = 0;
  const countPolicies = async () =>
    Number(
      (
        await ctx.database.db
          .selectFrom('policy')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const process = async (secretsDir: string, payload: Buffer) => {
    const deps: ExchangeDeps = { database: ctx.database, secretsDir };
    fileNo += 1;
    const { message } = await receive(deps, {
      insurerCode: 'KARPATY',
      channel: 'rest',
      fileName: `policies-20261121-p${fileNo}.xml`,
      payload,
      messageType: 'contracts',
    });
    return processMessage(deps, message.id);
  };

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
  });

  it('refers to Karpaty’s certificate by a secret, not to a file in the repository', () => {
    expect(loadAdapter('KARPATY').signature?.verifyWith).toMatch(/^secret:/);
  });

  it('the spec sample really is signed with the spec sandbox key', () => {
    expect(verifyXml(signedBySpecKey, { certificatePem: specCertificate, file: 'p.xml' }).rootName).toBe(
      'PolicyPage',
    );
  });

  it('refuses a document signed with the spec sandbox key when no certificate is registered', async () => {
    const before = await countPolicies();
    const report = await process(fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')), signedBySpecKey);
    expect(report.status).toBe('quarantined');
    expect(report.errors[0].message).toMatch(/karpaty-insurer\.crt/);
    expect(await countPolicies()).toBe(before);
  });

  it('refuses it when Karpaty’s production certificate is registered, and accepts what that key signs', async () => {
    const production = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    fs.writeFileSync(
      path.join(secretsDir, 'karpaty-insurer.crt'),
      createPublicKey(production.privateKey).export({ type: 'spki', format: 'pem' }),
    );
    const before = await countPolicies();
    // The same signed page delivered again (a new line after it, so it is stored anew).
    const forged = await process(secretsDir, Buffer.concat([signedBySpecKey, Buffer.from('\n')]));
    expect(forged.status).toBe('quarantined');
    expect(forged.errors[0]).toMatchObject({
      kind: 'signature',
      message: expect.stringMatching(/does not verify/),
    });
    expect(await countPolicies()).toBe(before);

    const unsigned = signedBySpecKey.toString('utf8').replace(/<Signature[\s\S]*<\/Signature>/, '');
    const genuine = signXml(unsigned, {
      privateKeyPem: production.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(await process(secretsDir, Buffer.from(genuine))).toMatchObject({ status: 'applied', applied: 3 });
  });
});
