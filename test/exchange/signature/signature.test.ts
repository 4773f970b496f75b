import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExchangeError } from '../../../src/exchange/errors';
import { ensureSandboxSigningKey, signXml, verifyXml } from '../../../src/exchange/signature';
import { KARPATY_SPEC_CERTIFICATE } from '../../sandbox';

const ROOT = path.join(__dirname, '../../..');
// The spec's samples are signed with its sandbox key; its certificate checks them here, and only here.
const CERT = readFileSync(KARPATY_SPEC_CERTIFICATE, 'utf8');
const page = (name: string) => readFileSync(path.join(ROOT, 'adapters/karpaty/__fixtures__', name), 'utf8');

function refused(xml: string, cert = CERT): ExchangeError {
  try {
    verifyXml(xml, { certificatePem: cert, file: 'policies.xml' });
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    expect((err as ExchangeError).file).toBe('policies.xml');
    return err as ExchangeError;
  }
  throw new Error('expected the signature to be refused');
}

describe('verifyXml (Karpaty: only against the registered certificate)', () => {
  it('accepts policies-page-1.xml and returns the signed document element without the signature', () => {
    const verified = verifyXml(page('policies-page-1.xml'), {
      certificatePem: CERT,
      file: 'policies-page-1.xml',
    });
    expect(verified.rootName).toBe('PolicyPage');
    expect(verified.signedXml).toMatch(/^<PolicyPage xmlns="urn:karpaty:partner:v2"/);
    expect(verified.signedXml).not.toMatch(/Signature/);
    expect(verified.signedXml).toContain('KR-KS-26-004413');
  });

  it('refuses policies-tampered.xml', () => {
    const err = refused(page('policies-tampered.xml'));
    expect(err.kind).toBe('signature');
    expect(err.message).toMatch(/does not verify/);
  });

  it('refuses a document signed by another key, even with that key in KeyInfo', () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const unsigned = page('policies-page-1.xml').replace(/<Signature[\s\S]*<\/Signature>/, '');
    const forged = signXml(unsigned, { privateKeyPem: other.privateKey, certificatePem: other.publicKey });
    expect(verifyXml(forged, { certificatePem: other.publicKey, file: 'x' }).rootName).toBe('PolicyPage');
    expect(refused(forged).kind).toBe('signature');
  });

  it('refuses a wrapped document: the genuine signed page moved inside a forged root', () => {
    const genuine = page('policies-page-1.xml').replace(/^<\?xml[^>]*>\s*/, '');
    const wrapped = `<PolicyPage xmlns="urn:karpaty:partner:v2" page="1" pages="1"><Policy number="KR-FORGED" status="active" version="1"/><Wrapper>${genuine}</Wrapper></PolicyPage>`;
    expect(refused(wrapped).message).toMatch(/not a child of the document element|wrapping/);
  });

  it('refuses a signature moved out of the element it signed and a second root with the same Id', () => {
    const genuine = page('policies-page-1.xml');
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(genuine)![0];
    const body = genuine.replace(signature, '').replace(/^<\?xml[^>]*>\s*/, '');
    const moved = `<Envelope>${body}${signature}</Envelope>`;
    expect(refused(moved).kind).toBe('signature');
    const duplicateId = genuine.replace(
      '<Policy number="KR-KS-26-004412"',
      '<Policy Id="_0" number="KR-KS-26-004412"',
    );
    expect(refused(duplicateId).message).toMatch(/appears 2 times|does not verify/);
  });

  it('refuses an unsigned document and one with a DOCTYPE', () => {
    expect(refused(page('application-batch.xml')).message).toMatch(/not signed/);
    expect(() =>
      verifyXml('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', {
        certificatePem: CERT,
        file: 'x.xml',
      }),
    ).toThrow(/DOCTYPE/);
  });
});

describe('signXml with the intermediary sandbox key', () => {
  it('creates the key pair once in the secrets folder and signs a batch the insurer can verify', () => {
    const secrets = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const keys = ensureSandboxSigningKey(secrets);
    expect(keys.created).toBe(true);
    expect(statSync(keys.privateKeyPath).mode & 0o077).toBe(0);
    expect(ensureSandboxSigningKey(secrets).created).toBe(false);
    const registered = readFileSync(keys.certificatePath ?? keys.publicKeyPath, 'utf8');
    const signed = signXml(page('application-batch.xml'), {
      privateKeyPem: readFileSync(keys.privateKeyPath, 'utf8'),
      certificatePem: keys.certificatePath ? registered : null,
    });
    expect(signed).toMatch(
      /<ApplicationBatch xmlns="urn:karpaty:partner:v2" partnerCode="AG-0042" createdAt="[^"]+" Id="_0">/,
    );
    expect(signed).toMatch(/<Reference URI="#_0">.*enveloped-signature.*xml-exc-c14n#.*xmlenc#sha256/s);
    expect(verifyXml(signed, { certificatePem: registered, file: 'batch.xml' }).rootName).toBe(
      'ApplicationBatch',
    );
    // The insurer's certificate is not ours: our batch does not verify against it.
    expect(() => verifyXml(signed, { certificatePem: CERT, file: 'batch.xml' })).toThrow(ExchangeError);
    // Changing a premium after signing breaks it.
    expect(() =>
      verifyXml(signed.replace('18200.00', '1820.00'), { certificatePem: registered, file: 'batch.xml' }),
    ).toThrow(/does not verify/);
  });
});
