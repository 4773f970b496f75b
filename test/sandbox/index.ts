/**
 * The sandbox insurers for tests: the generic one and its SFTP server (src/exchange/sandbox), the
 * insurers' own sandboxes from their adapter folders (Dnipro Life over SFTP, Karpaty over REST),
 * and a fixed JSON API with knobs for transport tests (./json-api.ts).
 */
export {
  startSandboxSftpServer,
  confinedPath,
  generateEd25519KeyPair,
  ensureKeyPair,
  runSandbox,
  startInsurerSandbox,
  startConfiguredSandbox,
  type SandboxSftpServer,
  type SandboxSftpServerOptions,
  type RunningSandbox,
} from '../../src/exchange/sandbox';
export * from '../../adapters/dnipro-life/sandbox';
export * from '../../adapters/karpaty/sandbox';
// Both adapter folders export their hook as `sandbox`: the name means Dnipro Life's here, and each has its own name.
export { sandbox } from '../../adapters/dnipro-life/sandbox';
export { sandbox as dniproLifeSandboxHook } from '../../adapters/dnipro-life/sandbox';
export { sandbox as karpatySandboxHook } from '../../adapters/karpaty/sandbox';
export {
  startJsonApiSandbox,
  type JsonApiRecord,
  type JsonApiSandbox,
  type JsonApiSandboxOptions,
} from './json-api';
