import type { PrefillSource } from '@gov/procedures-domain';

/**
 * The registry's records as the prefill reads them: over HTTP with the service's own agency
 * token, purpose `procedure-prefill` and the procedure named, so that the registry records
 * (and the audit log shows) which procedure read what. Answers the record's JSON as the
 * registry's API gives it; throws an `ApplicationError` for a record it does not have (422)
 * or when it cannot be reached (503).
 */
export interface RegistryReads {
  person(nationalId: string, procedureId: string): Promise<Record<string, unknown>>;
  business(businessNumber: string, procedureId: string): Promise<Record<string, unknown>>;
  vehicle(registrationNumber: string, procedureId: string): Promise<Record<string, unknown>>;
}

/** The person's standing Yes/No to prefilling, from the consent service. */
export interface PrefillPreferences {
  answer(
    nationalId: string,
    source: PrefillSource,
    procedureId: string,
  ): Promise<{ readonly prefill: boolean; readonly rule: string }>;
}

/** A decision letter for the letterbox. */
export interface Letter {
  readonly recipientNationalId: string;
  readonly subject: string;
  readonly caseId: string;
  readonly pdf: Uint8Array;
  /** The organisation that handles the case and decided it: the letter is from it. */
  readonly organisationId: string;
}

/** The letterbox service's delivery. */
export interface Letterbox {
  /**
   * Delivers `letter` with `bearerToken` (the sender's); the letterbox answers the first
   * delivery again for a repeated `idempotencyKey`. Throws when it cannot be reached.
   */
  deliver(
    letter: Letter,
    bearerToken: string,
    idempotencyKey: string,
  ): Promise<{ readonly letterId: string; readonly sha256: string }>;
}

/** A consent artefact as the consent service shows it to its subject. */
export interface ConsentArtefact {
  readonly consentId: string;
  readonly subject: string;
  readonly organisationId: string;
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly status: string;
}

/** The consent service's artefacts, read with the person's own token. */
export interface ConsentLookup {
  /** The artefact, or `undefined` when the consent service has none of that id for the caller. */
  consent(consentId: string, bearerToken: string): Promise<ConsentArtefact | undefined>;
}

/** The token the service calls other services with for itself (prefill reads, the reactor). */
export interface ServiceToken {
  get(): Promise<string>;
}
