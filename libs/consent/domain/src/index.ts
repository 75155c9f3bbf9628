/**
 * The consent context's pure business logic: consent artefacts (grant, pause, resume, revoke,
 * supersede, expire, use) and the Yes/No to prefilling, as deciders. No I/O: time and ids come
 * in with the commands.
 *
 * @packageDocumentation
 */
export {
  CONSENT_LIMITS,
  consentDecider,
  consentStatus,
  coveredCategories,
  termsMatch,
} from './lib/consent';
export type {
  ConsentCommand,
  ConsentEnding,
  ConsentEvent,
  ConsentState,
  ConsentStatus,
  ConsentTerms,
  ConsentUse,
  GrantedConsent,
  RevocationCause,
  UseRequest,
} from './lib/consent';
export { prefillAnswer, prefillDecider } from './lib/prefill';
export type {
  PrefillAnswerRule,
  PrefillCommand,
  PrefillEvent,
  PrefillPreference,
  PrefillRule,
  PrefillState,
} from './lib/prefill';
export { USE_DENIAL_CODES, assertNever } from './lib/rejection';
export type { ConsentRejectionCode, UseDenialCode } from './lib/rejection';
