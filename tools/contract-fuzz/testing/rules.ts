// The rules of the contract fuzz (../contract-fuzz.e2e.spec.ts), per service and operation:
// kept here rather than in the fuzzer's library, so that a service's new routes (a register
// added to the registry, say) are declared beside the other tools, not in a platform library.
import type { OperationRule, ServiceName } from '@gov/platform-contract-fuzz';

/** The chassis' own routes, the same on every service. */
const CHASSIS: Record<string, OperationRule> = {
  'GET /health/live': {},
  'GET /health/ready': {},
  'GET /metrics': {},
};

/** A change of the site's role would make every later write of the run a 503. */
const CHANGES_THE_SITE = 'a valid request changes the site’s role for the rest of the run';

/** `libs/platform/replication`'s routes, on every event-sourced service. */
const REPLICATION: Record<string, OperationRule> = {
  'GET /replication/status': { role: 'operator' },
  // A position beyond the head: the log has not reached it yet.
  'GET /replication/digest': { role: 'operator', refusals: [409] },
  'POST /replication/fence': { role: 'operator', invalidOnly: CHANGES_THE_SITE },
  'POST /replication/promote': { role: 'operator', invalidOnly: CHANGES_THE_SITE },
  'POST /replication/demote': { role: 'operator', invalidOnly: CHANGES_THE_SITE },
};

/** Managers are distinct persons, and a valid national id (check digits) is only the example. */
const DISTINCT_MANAGERS = 'managers are distinct persons; the one valid id known is the example';

/**
 * Organisations come from the legal-basis catalogue the service is configured with, and a
 * validity is relative to now and to its start (at most ten years): the examples are valid.
 */
const CONSENT_TERMS = ['organisationId', 'validFrom', 'validUntil'];

/** A change of a record that may not exist, may be closed, or may be at another version. */
const CHANGE: OperationRule = { role: 'registrar', refusals: [404, 409, 412] };

/** A person's record may also be erased (410 from then on). */
const PERSON_CHANGE: OperationRule = { role: 'registrar', refusals: [404, 409, 410, 412] };
const PERSON_READ: OperationRule = { role: 'registrar', refusals: [404, 410] };

/**
 * Per service and operation: the role whose token the requests carry, and the statuses by
 * which the service refuses a schema-valid request for a business reason.
 */
export const RULES: Partial<Record<ServiceName, Record<string, OperationRule>>> = {
  registry: {
    ...CHASSIS,
    ...REPLICATION,
    'POST /persons': { role: 'registrar' },
    'POST /persons/batch': { role: 'registrar' },
    'GET /persons/{nationalId}': PERSON_READ,
    'GET /persons/{nationalId}/history': PERSON_READ,
    'GET /persons/{nationalId}/businesses': { role: 'registrar' },
    'PUT /persons/{nationalId}/name': PERSON_CHANGE,
    'PUT /persons/{nationalId}/address': PERSON_CHANGE,
    'PUT /persons/{nationalId}/civil-status': PERSON_CHANGE,
    'POST /persons/{nationalId}/death': PERSON_CHANGE,
    // The erasure route of issue 15 (on main): an unknown or erased person, another version.
    'POST /persons/{nationalId}/erasure': PERSON_CHANGE,
    // Managers are persons of the register: unknown ones are refused.
    'POST /businesses': { role: 'registrar', refusals: [422], singleItemArrays: DISTINCT_MANAGERS },
    'GET /businesses/{businessNumber}': { role: 'registrar', refusals: [404] },
    'GET /businesses/{businessNumber}/history': { role: 'registrar', refusals: [404] },
    'PUT /businesses/{businessNumber}/address': CHANGE,
    'PUT /businesses/{businessNumber}/managers': {
      ...CHANGE,
      refusals: [404, 409, 412, 422],
      singleItemArrays: DISTINCT_MANAGERS,
    },
    'POST /businesses/{businessNumber}/strike-off': CHANGE,
    // Vehicles (issue 16's register, an extension): a number already taken (409); an owner who
    // is not on record, or closed (422).
    'POST /vehicles': { role: 'registrar', refusals: [409, 422] },
    'GET /vehicles/{registrationNumber}': { role: 'registrar', refusals: [404] },
    'GET /vehicles/{registrationNumber}/history': { role: 'registrar', refusals: [404] },
    'PUT /vehicles/{registrationNumber}/owner': { ...CHANGE, refusals: [404, 409, 412, 422] },
    'POST /vehicles/{registrationNumber}/deregistration': CHANGE,
    // A citizen may ask to correct only their own record (or a business they manage), and the
    // record must exist.
    'POST /corrections': { role: 'citizen', refusals: [403, 404] },
    'GET /corrections': { role: 'registrar' },
    'GET /corrections/{correctionId}': { role: 'registrar', refusals: [404] },
    'POST /corrections/{correctionId}/accept': CHANGE,
    'POST /corrections/{correctionId}/reject': CHANGE,
  },
  consent: {
    ...CHASSIS,
    ...REPLICATION,
    'GET /.well-known/jwks.json': {},
    // A person grants consent only over their own data: another subject is refused (403).
    'POST /consents': { role: 'citizen', refusals: [403], exampleMembers: CONSENT_TERMS },
    'GET /consents': { role: 'citizen' },
    'GET /consents/{consentId}': { role: 'citizen', refusals: [404] },
    'POST /consents/{consentId}/change': {
      role: 'citizen',
      refusals: [403, 404, 409, 412],
      exampleMembers: CONSENT_TERMS,
    },
    'POST /consents/{consentId}/pause': { role: 'citizen', refusals: [404, 409, 412] },
    'POST /consents/{consentId}/resume': { role: 'citizen', refusals: [404, 409, 412] },
    'POST /consents/{consentId}/revoke': { role: 'citizen', refusals: [404, 409, 412] },
    'GET /consents/{consentId}/receipts': { role: 'citizen', refusals: [404] },
    'GET /consents/{consentId}/receipts/{receiptId}': { role: 'citizen', refusals: [404] },
    'POST /decisions': { role: 'agency' },
    'GET /prefill-preferences': { role: 'citizen' },
    'PUT /prefill-preferences/sources/{source}': { role: 'citizen' },
    'PUT /prefill-preferences/sources/{source}/procedures/{procedureId}': { role: 'citizen' },
    'DELETE /prefill-preferences/sources/{source}/procedures/{procedureId}': { role: 'citizen' },
    'GET /prefill-preferences/{nationalId}': { role: 'agency' },
    'GET /persons/{nationalId}/consent-export': { role: 'dpo' },
  },
  procedures: {
    ...CHASSIS,
    ...REPLICATION,
    'GET /procedures': {},
    'GET /procedures/{procedureId}': { refusals: [404] },
    'GET /procedures/{procedureId}/versions/{version}': { refusals: [404] },
    'GET /personal-space': { role: 'citizen' },
    'PUT /personal-space/{item}': {
      role: 'citizen',
      invalidOnly:
        'the value’s format depends on the item (IBAN, phone, e-mail): no schema relates them',
    },
    'DELETE /personal-space/{item}': { role: 'citizen' },
    // An unknown procedure or version; a business the person does not manage.
    'POST /drafts': { role: 'citizen', refusals: [403, 404] },
    'POST /drafts/{id}/prefill-preview': { role: 'citizen', refusals: [404, 409] },
    'POST /drafts/{id}/prefill': { role: 'citizen', refusals: [404, 409, 422] },
    'POST /drafts/{id}/submit': { role: 'citizen', refusals: [404, 409, 412] },
    'GET /submissions': { role: 'agency' },
    'GET /submissions/{id}': { role: 'citizen', refusals: [404] },
    'GET /drafts/{id}': { role: 'citizen', refusals: [404] },
    'GET /submissions/{id}/timeline': { role: 'citizen', refusals: [404] },
    'POST /submissions/{id}/receive': { role: 'agency', refusals: [404, 409, 412] },
    'POST /submissions/{id}/start-review': { role: 'agency', refusals: [404, 409, 412] },
    'POST /submissions/{id}/request-information': { role: 'agency', refusals: [404, 409, 412] },
    'POST /submissions/{id}/information': { role: 'citizen', refusals: [404, 409, 412] },
    'POST /submissions/{id}/decide': { role: 'agency', refusals: [404, 409, 412] },
    'POST /submissions/{id}/consent-requests': { role: 'agency', refusals: [404, 409, 412] },
    'POST /submissions/{id}/consent-requests/{requestId}/granted': {
      role: 'citizen',
      refusals: [404, 409, 422],
    },
    'POST /submissions/{id}/correction-notices/{noticeId}/acknowledgement': {
      role: 'agency',
      refusals: [404, 409, 412],
    },
    'GET /dashboard': { role: 'citizen' },
  },
  letterbox: {
    ...CHASSIS,
    ...REPLICATION,
    // The recipient must be known to the registry (a person, or a business it names).
    // The content must be of its declared type by its own bytes: the example is. Only a
    // delivery agent may deliver on behalf of another organisation (403 otherwise).
    'POST /letters': {
      role: 'agency',
      refusals: [403, 422],
      exampleMembers: ['content', 'contentType'],
    },
    'GET /letters': { role: 'citizen' },
    'GET /letters/{letterId}': { role: 'citizen', refusals: [404] },
    'GET /letters/{letterId}/content': { role: 'citizen', refusals: [404, 409] },
    'POST /letters/{letterId}/receipt': { role: 'citizen', refusals: [404, 409] },
    'GET /sent': { role: 'agency' },
    'GET /documents/digest': { role: 'operator' },
  },
  audit: {
    ...CHASSIS,
    ...REPLICATION,
    'GET /.well-known/jwks.json': {},
    'GET /tree-heads/latest': { role: 'auditor', refusals: [404] },
    'GET /tree-heads/{treeSize}': { role: 'auditor', refusals: [404] },
    'POST /tree-heads': { role: 'auditor' },
    // An unknown entry, or a tree size the log has not reached.
    'GET /entries/{entryId}/inclusion-proof': { role: 'auditor', refusals: [404, 409] },
    'GET /proofs/consistency': {
      role: 'auditor',
      invalidOnly: 'first ≤ second relates two parameters, which no schema states',
    },
    // No tree head before the first is published; earlier sizes the log never had.
    'GET /export': { role: 'auditor', refusals: [404, 409] },
    'GET /access-log/me': { role: 'citizen' },
    'GET /access-log/me/export': { role: 'citizen', refusals: [404, 409] },
    'GET /access-log/subjects/{nationalId}': { role: 'dpo' },
  },
  'embassy-sync': {
    ...CHASSIS,
    'GET /status': { role: 'operator' },
    'GET /status/history': { role: 'operator' },
  },
};
