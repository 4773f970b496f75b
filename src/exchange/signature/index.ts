/**
 * XML signatures (XML-DSig, enveloped, RSA-SHA256, exclusive c14n, SHA-256 digest) for insurers that
 * sign documents (Karpaty Partner API v2 §Signatures). Verification uses only the certificate
 * registered for the insurer, never KeyInfo from the document, and accepts only one signature whose
 * single reference covers the document element; the caller parses the signed bytes returned here,
 * not the original text, so nothing outside the signature (wrapping) can be read.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { ExchangeError } from '../errors';
import { xmlText } from '../formats/xml';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export interface SignOptions {
  /** The intermediary's private key (PEM). */
  privateKeyPem: string;
  /** Its certificate, put into KeyInfo for the insurer's convenience (they verify against their copy). */
  certificatePem?: string | null;
}

/** Signs the document element of `xml` with an enveloped signature appended as its last child. */
export function signXml(xml: string, options: SignOptions): string {
  const signer = new SignedXml({
    privateKey: options.privateKeyPem,
    publicCert: options.certificatePem ?? undefined,
    canonicalizationAlgorithm: EXC_C14N,
    signatureAlgorithm: RSA_SHA256,
  });
  signer.addReference({ xpath: '/*', digestAlgorithm: SHA256, transforms: [ENVELOPED, EXC_C14N] });
  signer.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  return signer.getSignedXml();
}

export interface VerifiedXml {
  /** The canonical XML of the signed document element (signature removed): parse this, not the input. */
  signedXml: string;
  /** Local name of the signed document element. */
  rootName: string;
}

/**
 * Verifies an inbound document against the insurer's registered certificate or public key (PEM).
 * Throws ExchangeError kind `signature` naming the file when anything is off.
 */
export function verifyXml(
  payload: string | Buffer,
  options: { certificatePem: string; file: string },
): VerifiedXml {
  const { file } = options;
  const fail = (message: string, cause?: unknown): never => {
    throw new ExchangeError({ kind: 'signature', file, message, cause });
  };
  const xml = xmlText(payload, file);
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (err) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `malformed XML: ${(err as Error).message}`,
      cause: err,
    });
  }
  const root = doc.documentElement;
  if (!root) return fail('the document has no root element');
  const signatures: Element[] = Array.from(doc.getElementsByTagNameNS(DSIG_NS, 'Signature'));
  if (signatures.length === 0) fail('the document is not signed');
  if (signatures.length > 1)
    fail(`the document carries ${signatures.length} signatures; exactly one is accepted`);
  const signature = signatures[0];
  if (signature.parentNode !== root)
    fail('the signature is not a child of the document element (moved or wrapped)');

  const verifier = new SignedXml({ publicCert: options.certificatePem, getCertFromKeyInfo: () => null });
  try {
    verifier.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
  } catch (err) {
    fail(`the signature cannot be read: ${(err as Error).message}`, err);
  }
  const signedInfo = signature.getElementsByTagNameNS(DSIG_NS, 'SignedInfo')[0];
  const references: Element[] = signedInfo
    ? Array.from(signedInfo.getElementsByTagNameNS(DSIG_NS, 'Reference'))
    : [];
  if (references.length !== 1)
    fail(
      `the signature has ${references.length} references; exactly one, to the document element, is accepted`,
    );
  const uri = references[0].getAttribute('URI') ?? '';
  const rootId = root.getAttribute('Id') ?? root.getAttribute('ID') ?? root.getAttribute('id');
  if (uri !== '' && !(rootId && uri === `#${rootId}`))
    fail(`the signature covers '${uri}', not the document element`);
  if (uri !== '') {
    const holders = Array.from(doc.getElementsByTagName('*')).filter((el: Element) =>
      ['Id', 'ID', 'id'].some((a) => el.getAttribute(a) === rootId),
    );
    if (holders.length !== 1)
      fail(`the Id '${rootId}' of the document element appears ${holders.length} times (wrapping attempt)`);
  }
  const algorithms = [
    signedInfo?.getElementsByTagNameNS(DSIG_NS, 'SignatureMethod')[0]?.getAttribute('Algorithm'),
    references[0].getElementsByTagNameNS(DSIG_NS, 'DigestMethod')[0]?.getAttribute('Algorithm'),
  ];
  if (algorithms[0] !== RSA_SHA256 || algorithms[1] !== SHA256)
    fail(`unexpected algorithms ${algorithms.join(', ')}; RSA-SHA256 and SHA-256 are required`);

  let valid = false;
  try {
    valid = verifier.checkSignature(xml);
  } catch (err) {
    fail(`the signature does not verify: ${(err as Error).message}`, err);
  }
  if (!valid)
    fail(
      "the signature does not verify against the insurer's registered certificate (document changed or signed by another key)",
    );
  const signed = verifier.getSignedReferences();
  if (signed.length !== 1) fail('the signature does not cover exactly one element');
  const signedDoc = new DOMParser().parseFromString(signed[0], 'text/xml');
  const signedRoot = signedDoc.documentElement;
  if (
    !signedRoot ||
    signedRoot.localName !== root.localName ||
    signedRoot.namespaceURI !== root.namespaceURI
  ) {
    fail('the signed element is not the document element');
  }
  return { signedXml: signed[0], rootName: root.localName ?? root.nodeName };
}

export interface SigningKeyFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  /** Null when no openssl is available to make the self-signed certificate; the public key serves. */
  certificatePath: string | null;
  created: boolean;
}

/**
 * Makes a sandbox signing key pair for the intermediary in the secrets folder if it is missing:
 * `<name>.key` (PKCS#8, mode 600), `<name>.pub.pem`, and `<name>.crt` (self-signed, via openssl when
 * installed: node:crypto cannot issue certificates). Insurers register the certificate or public key.
 */
export function ensureSandboxSigningKey(
  secretsDir: string,
  name = 'intermediary-signing',
  subject = '/C=UA/O=eCSpert sandbox intermediary/CN=ecspert-sandbox',
): SigningKeyFiles {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const privateKeyPath = path.join(secretsDir, `${name}.key`);
  const publicKeyPath = path.join(secretsDir, `${name}.pub.pem`);
  const certPath = path.join(secretsDir, `${name}.crt`);
  let created = false;
  if (!existsSync(privateKeyPath)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(privateKeyPath, privateKey, { mode: 0o600 });
    chmodSync(privateKeyPath, 0o600);
    writeFileSync(publicKeyPath, publicKey);
    created = true;
  } else if (!existsSync(publicKeyPath)) {
    writeFileSync(
      publicKeyPath,
      createPublicKey({ key: privateKeyPath }).export({ type: 'spki', format: 'pem' }),
    );
  }
  if (!existsSync(certPath)) {
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-new',
          '-key',
          privateKeyPath,
          '-sha256',
          '-days',
          '3650',
          '-subj',
          subject,
          '-out',
          certPath,
        ],
        { stdio: 'ignore' },
      );
    } catch {
      return { privateKeyPath, publicKeyPath, certificatePath: null, created };
    }
  }
  return { privateKeyPath, publicKeyPath, certificatePath: certPath, created };
}
