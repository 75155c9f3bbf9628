// The authorisation matrix of the platform's six services: for every route (as each service's
// /openapi.json lists it), which principals get past authorisation and what the others get.
// `authorisation-matrix.e2e.spec.ts` starts the services and checks every cell; a route that
// is not here fails that test, so a new route has to be classified before it ships.

/**
 * The principals the platform has, as the spec mints them. "Own" and "other" refer to the
 * record a route's `{nationalId}` names: the spec registers a person and uses their number.
 */
export const PRINCIPALS = [
  /** No Authorization header. */
  'anonymous',
  /** A registrar's token that expired five minutes ago. */
  'expired',
  /** A registrar's token signed by a key the services do not trust. */
  'untrusted',
  /**
   * A registrar of the persons register (registers: persons), with a national identification
   * number of their own (another person's than the record's: deciding needs one).
   */
  'registrar-persons',
  /** A registrar of the businesses register (registers: businesses). */
  'registrar-businesses',
  /** A registrar of the vehicles register (registers: vehicles). */
  'registrar-vehicles',
  /** The person the route's `{nationalId}` names. */
  'citizen-own',
  /** Another person. */
  'citizen-other',
  /** An administration without any legal basis in the catalogue. */
  'agency',
  /**
   * An administration holding the legal basis the documents' examples declare
   * (`ccss-family-allowances`, organisation ccss).
   */
  'agency-ccss',
  /** The procedures service's own agency token (organisation procedures). */
  'service-procedures',
  /** The letterbox service's own agency token (organisation letterbox). */
  'service-letterbox',
  'operator',
  /** embassy-sync's own operator token. */
  'service-embassy-sync',
  'dpo',
  'auditor',
] as const;

export type PrincipalName = (typeof PRINCIPALS)[number];

/**
 * What a principal gets on a route: `allow` (past authorisation: any status but 401 and 403,
 * such as 404 for an unknown id or 400 for the spec's example input), or the status of the
 * refusal.
 */
export type Outcome = 'allow' | 401 | 403 | 404;

/**
 * A row: the principals allowed, and the refusal of everyone else (401 without a valid token,
 * 403 otherwise, unless `deny` says another status for someone).
 */
export interface Row {
  readonly allow: readonly PrincipalName[] | 'everyone';
  readonly deny?: Partial<Record<PrincipalName, 401 | 403 | 404>>;
}

/** The principals without a valid token: refused with 401 wherever a token is needed. */
const UNAUTHENTICATED: readonly PrincipalName[] = ['anonymous', 'expired', 'untrusted'];
const TOKENS = PRINCIPALS.filter((name) => !UNAUTHENTICATED.includes(name));
const REGISTRARS: readonly PrincipalName[] = [
  'registrar-persons',
  'registrar-businesses',
  'registrar-vehicles',
];
const CITIZENS: readonly PrincipalName[] = ['citizen-own', 'citizen-other'];
const AGENCIES: readonly PrincipalName[] = [
  'agency',
  'agency-ccss',
  'service-procedures',
  'service-letterbox',
];
const OPERATORS: readonly PrincipalName[] = ['operator', 'service-embassy-sync'];

/** Open to anyone, token or not (an invalid token is ignored where none is needed). */
const PUBLIC: Row = { allow: 'everyone' };
/** Any valid token. */
const AUTHENTICATED: Row = { allow: TOKENS };
const only = (...allow: (PrincipalName | readonly PrincipalName[])[]): Row => ({
  allow: allow.flat(),
});
/**
 * A record of the owner's that others may not know exists: a token the route otherwise accepts
 * gets 404 (`roles`: the kinds the route's guard lets through).
 */
const hidden = (row: Row, roles: readonly PrincipalName[]): Row => ({
  ...row,
  deny: Object.fromEntries(
    roles
      .filter((name) => row.allow !== 'everyone' && !row.allow.includes(name))
      .map((name) => [name, 404]),
  ),
});

/** What every service has: probes, metrics, and the replication routes (operators only). */
function platformRows(service: string, replicated: boolean): Record<string, Row> {
  return {
    [`${service} GET /health/live`]: PUBLIC,
    [`${service} GET /health/ready`]: PUBLIC,
    [`${service} GET /metrics`]: PUBLIC,
    ...(replicated
      ? {
          [`${service} GET /replication/status`]: only(OPERATORS),
          [`${service} GET /replication/digest`]: only(OPERATORS),
          [`${service} POST /replication/fence`]: only(OPERATORS),
          [`${service} POST /replication/promote`]: only(OPERATORS),
          [`${service} POST /replication/demote`]: only(OPERATORS),
        }
      : {}),
  };
}

/** The table, keyed `<service> <METHOD> <OpenAPI path>`. */
export const AUTHORISATION_MATRIX: Readonly<Record<string, Row>> = {
  ...platformRows('registry', true),
  'registry POST /persons': only('registrar-persons'),
  'registry POST /persons/batch': only('registrar-persons'),
  // Agencies declare the examples' purpose and basis (X-Purpose, X-Legal-Basis): only the
  // organisation holding that basis reads.
  'registry GET /persons/{nationalId}': only('registrar-persons', 'citizen-own', 'agency-ccss'),
  'registry GET /persons/{nationalId}/history': only(
    'registrar-persons',
    'citizen-own',
    'agency-ccss',
  ),
  'registry GET /persons/{nationalId}/businesses': only('registrar-businesses', 'citizen-own'),
  'registry PUT /persons/{nationalId}/name': only('registrar-persons'),
  'registry PUT /persons/{nationalId}/address': only('registrar-persons'),
  'registry PUT /persons/{nationalId}/civil-status': only('registrar-persons'),
  'registry POST /persons/{nationalId}/death': only('registrar-persons'),
  'registry POST /persons/{nationalId}/erasure': only('registrar-persons'),
  'registry POST /businesses': only('registrar-businesses'),
  // The examples' basis (ccss-family-allowances) allows no data of a business.
  'registry GET /businesses/{businessNumber}': only('registrar-businesses'),
  'registry GET /businesses/{businessNumber}/history': only('registrar-businesses'),
  'registry PUT /businesses/{businessNumber}/address': only('registrar-businesses'),
  'registry PUT /businesses/{businessNumber}/managers': only('registrar-businesses'),
  'registry POST /businesses/{businessNumber}/strike-off': only('registrar-businesses'),
  'registry POST /vehicles': only('registrar-vehicles'),
  // The examples' basis (ccss-family-allowances) allows no data of a vehicle either; a citizen
  // reads only a vehicle they own (the example's is no one's).
  'registry GET /vehicles/{registrationNumber}': only('registrar-vehicles'),
  'registry GET /vehicles/{registrationNumber}/history': only('registrar-vehicles'),
  'registry PUT /vehicles/{registrationNumber}/owner': only('registrar-vehicles'),
  'registry POST /vehicles/{registrationNumber}/deregistration': only('registrar-vehicles'),
  'registry POST /corrections': only('citizen-own'),
  'registry GET /corrections': only(REGISTRARS, CITIZENS),
  'registry GET /corrections/{correctionId}': only('registrar-persons', 'citizen-own'),
  'registry POST /corrections/{correctionId}/accept': only('registrar-persons'),
  'registry POST /corrections/{correctionId}/reject': only('registrar-persons'),

  ...platformRows('consent', true),
  'consent GET /.well-known/jwks.json': PUBLIC,
  'consent GET /persons/{nationalId}/consent-export': only('citizen-own', 'dpo'),
  'consent POST /decisions': only(AGENCIES),
  'consent POST /consents': only(CITIZENS),
  // Asked for the owner's (?subject=): each organisation gets those naming it.
  'consent GET /consents': only('citizen-own', AGENCIES, 'dpo'),
  // The owner's consent names the examples' organisation (ccss) as the one that may reuse.
  'consent GET /consents/{consentId}': only('citizen-own', 'agency-ccss', 'dpo'),
  'consent POST /consents/{consentId}/change': only('citizen-own'),
  'consent POST /consents/{consentId}/pause': only('citizen-own'),
  'consent POST /consents/{consentId}/resume': only('citizen-own'),
  'consent POST /consents/{consentId}/revoke': only('citizen-own'),
  'consent GET /consents/{consentId}/receipts': only('citizen-own', 'agency-ccss', 'dpo'),
  'consent GET /consents/{consentId}/receipts/{receiptId}': only(
    'citizen-own',
    'agency-ccss',
    'dpo',
  ),
  'consent GET /prefill-preferences': only(CITIZENS),
  'consent PUT /prefill-preferences/sources/{source}': only(CITIZENS),
  'consent PUT /prefill-preferences/sources/{source}/procedures/{procedureId}': only(CITIZENS),
  'consent DELETE /prefill-preferences/sources/{source}/procedures/{procedureId}': only(CITIZENS),
  'consent GET /prefill-preferences/{nationalId}': only('citizen-own', AGENCIES, 'dpo'),

  ...platformRows('procedures', true),
  'procedures GET /procedures': PUBLIC,
  'procedures GET /procedures/{procedureId}': PUBLIC,
  'procedures GET /procedures/{procedureId}/versions/{version}': PUBLIC,
  'procedures GET /dashboard': only(CITIZENS),
  'procedures GET /personal-space': only(CITIZENS),
  'procedures PUT /personal-space/{item}': only(CITIZENS),
  'procedures DELETE /personal-space/{item}': only(CITIZENS),
  'procedures POST /drafts': only(CITIZENS),
  // `{id}` is a draft of the owner's.
  'procedures GET /drafts/{id}': hidden(only('citizen-own'), [...CITIZENS, ...AGENCIES]),
  'procedures POST /drafts/{id}/prefill-preview': hidden(only('citizen-own'), CITIZENS),
  'procedures POST /drafts/{id}/prefill': hidden(only('citizen-own'), CITIZENS),
  'procedures POST /drafts/{id}/submit': hidden(only('citizen-own'), CITIZENS),
  'procedures GET /submissions': only(AGENCIES),
  'procedures GET /submissions/{id}': hidden(only('citizen-own'), [...CITIZENS, ...AGENCIES]),
  'procedures GET /submissions/{id}/timeline': hidden(only('citizen-own'), [
    ...CITIZENS,
    ...AGENCIES,
  ]),
  'procedures POST /submissions/{id}/receive': only(AGENCIES),
  'procedures POST /submissions/{id}/start-review': only(AGENCIES),
  'procedures POST /submissions/{id}/request-information': only(AGENCIES),
  // Unlike the reads, it says 403 to another person: the case's existence shows (ids are random).
  'procedures POST /submissions/{id}/information': only('citizen-own'),
  'procedures POST /submissions/{id}/decide': only(AGENCIES),
  'procedures POST /submissions/{id}/consent-requests': only(AGENCIES),
  'procedures POST /submissions/{id}/consent-requests/{requestId}/granted': only(CITIZENS),
  'procedures POST /submissions/{id}/correction-notices/{noticeId}/acknowledgement': only(AGENCIES),

  ...platformRows('letterbox', true),
  'letterbox POST /letters': only(AGENCIES),
  'letterbox GET /letters': only(CITIZENS),
  // `{letterId}` is a letter procedures delivered to the owner.
  'letterbox GET /letters/{letterId}': hidden(only('citizen-own', 'service-procedures'), [
    ...CITIZENS,
    ...AGENCIES,
  ]),
  'letterbox GET /letters/{letterId}/content': hidden(only('citizen-own'), CITIZENS),
  'letterbox POST /letters/{letterId}/receipt': hidden(only('citizen-own'), CITIZENS),
  'letterbox GET /sent': only(AGENCIES),
  'letterbox GET /documents/digest': only(OPERATORS),

  ...platformRows('audit', true),
  'audit GET /.well-known/jwks.json': PUBLIC,
  'audit GET /access-log/me': only(CITIZENS),
  'audit GET /access-log/me/export': only(CITIZENS),
  'audit GET /access-log/subjects/{nationalId}': only('dpo', 'auditor'),
  'audit GET /tree-heads/latest': AUTHENTICATED,
  'audit GET /tree-heads/{treeSize}': AUTHENTICATED,
  'audit POST /tree-heads': only('auditor', 'dpo', OPERATORS),
  'audit GET /entries/{entryId}/inclusion-proof': only('auditor', 'dpo', CITIZENS),
  'audit GET /proofs/consistency': AUTHENTICATED,
  'audit GET /export': only('auditor', 'dpo'),

  ...platformRows('embassy-sync', false),
  'embassy-sync GET /status': only(OPERATORS),
  'embassy-sync GET /status/history': only(OPERATORS),
};

/** The outcome the table expects of `principal` on the row. */
export function expectedOutcome(row: Row, principal: PrincipalName): Outcome {
  if (row.allow === 'everyone' || row.allow.includes(principal)) return 'allow';
  return row.deny?.[principal] ?? (UNAUTHENTICATED.includes(principal) ? 401 : 403);
}
