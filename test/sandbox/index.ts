/**
 * The sandbox insurer: real servers that behave like the insurers in their specs (Dnipro Life over
 * SFTP, Karpaty over REST), for tests, demos and rehearsing an onboarding (`ecspert sandbox <insurer>`).
 */
export {
  startSandboxSftpServer,
  confinedPath,
  type SandboxSftpServer,
  type SandboxSftpServerOptions,
} from './sftp-server';
export * from './dnipro-life';
export * from './karpaty';
export {
  runSandbox,
  ensureKeyPair,
  ensureKarpatySandboxKey,
  SANDBOX_INSURERS,
  type RunSandboxOptions,
  type RunningSandbox,
} from './run-sandbox';
export { generateEd25519KeyPair } from './sftp-server';
export {
  startJsonApiSandbox,
  type JsonApiRecord,
  type JsonApiSandbox,
  type JsonApiSandboxOptions,
} from './json-api';
