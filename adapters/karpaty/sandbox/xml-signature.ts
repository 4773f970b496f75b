/**
 * The sandbox insurer's side of Karpaty's XML signatures (Partner API v2 "Signatures"): enveloped
 * XML-DSig over the root, RSA-SHA256, exclusive c14n, SHA-256 digests. Verification uses only the
 * key registered for the partner, never a certificate found in the document.
 */
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

export function signXml(xml: string, privateKeyPem: string | Buffer): string {
  const signer = new SignedXml({
    privateKey: privateKeyPem,
    canonicalizationAlgorithm: EXC_C14N,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  });
  signer.addReference({
    xpath: '/*',
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', EXC_C14N],
  });
  signer.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  return signer.getSignedXml();
}

/** Null when the document is signed over its root by the holder of `publicKeyOrCertPem`; else why not. */
export function signatureProblem(xml: string, publicKeyOrCertPem: string | Buffer): string | null {
  if (/<!DOCTYPE/i.test(xml)) return 'document type declarations are not accepted';
  let doc;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(xml, 'application/xml');
  } catch (err) {
    return `not well-formed XML: ${(err as Error).message}`;
  }
  const root = doc.documentElement;
  if (!root) return 'no root element';
  const signatures = doc.getElementsByTagNameNS(DSIG_NS, 'Signature');
  if (signatures.length !== 1) return signatures.length === 0 ? 'no signature' : 'more than one signature';
  const signatureNode = signatures[0];
  if (signatureNode.parentNode !== root) return 'the signature is not enveloped in the root element';
  const verifier = new SignedXml({ publicCert: publicKeyOrCertPem });
  try {
    verifier.loadSignature(signatureNode as unknown as Parameters<SignedXml['loadSignature']>[0]);
    if (!verifier.checkSignature(xml)) return 'signature does not match the document or the registered key';
  } catch (err) {
    return `signature cannot be checked: ${(err as Error).message}`;
  }
  // What was verified must be the whole root, not some fragment beside forged content.
  const id = root.getAttribute('Id') ?? root.getAttribute('ID') ?? root.getAttribute('id');
  const uris = verifier.getReferences().map((r) => r.uri ?? '');
  if (uris.length !== 1 || !(uris[0] === '' || (id && uris[0] === `#${id}`)))
    return 'the signature does not cover the root element';
  return null;
}
