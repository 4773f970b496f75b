/** Exchange runs: registers out, documents in, answers tracked, everything processed. */
export { runExchange, type RunOptions, type ExchangeRunReport } from './run-exchange';
export {
  buildRegister,
  previewRegister,
  deliverBuiltRegisters,
  registerMessage,
  type BuiltRegister,
  type DeliveryOutcome,
} from './register-builder';
export { loadHooks, type ExchangeHooks, type ExchangeHookContext, type SentRegister } from './hooks';
export { openRest, openSftp, type ChannelOverrides } from './channels';
export { ExchangeCursors, DatabaseFetchedRegistry } from './state';
export {
  configuredPulls,
  pagingSpec,
  pollConfigured,
  polledByConfiguration,
  pullConfigured,
  sendConfigured,
  sentByConfiguration,
  sinceCursor,
} from './rest-pull';
export {
  adapterReadiness,
  deliveryFindings,
  type AdapterReadiness,
  type MessageReadiness,
} from './readiness';
