import type { ConsentEvent, PrefillEvent } from '@gov/consent-domain';
import type { RecordedEvent } from '@gov/platform-event-sourcing';

import {
  MalformedConsentPayloadError,
  consentCodec,
  decodePermit,
  decodeSubjectErasure,
  encodePermit,
  encodeSubjectErasure,
  prefillCodec,
} from './codecs';

const ID = '0b7e4a52-8b4e-4f0e-9d1a-3c2f1e0d9a01';
const AT = new Date('2026-03-01T10:00:00.123Z');

const consentEvents: ConsentEvent[] = [
  {
    type: 'ConsentGranted',
    data: {
      consentId: ID,
      subject: '1983081246785',
      organisationId: 'ccss',
      categories: ['persons.address'],
      purpose: 'family-allowance-eligibility',
      procedureId: null,
      validFrom: AT,
      validUntil: new Date('2026-09-01T00:00:00Z'),
      maxUses: null,
      language: 'fr',
      supersedes: null,
      grantedAt: AT,
    },
  },
  { type: 'ConsentPaused', data: { consentId: ID, pausedAt: AT } },
  { type: 'ConsentResumed', data: { consentId: ID, resumedAt: AT } },
  { type: 'ConsentRevoked', data: { consentId: ID, revokedAt: AT } },
  { type: 'ConsentSuperseded', data: { consentId: ID, supersededBy: ID, supersededAt: AT } },
  { type: 'ConsentExpired', data: { consentId: ID, expiredAt: AT } },
  {
    type: 'ConsentEndedByErasure',
    data: {
      consentId: ID,
      subject: '1983081246785',
      registryEventId: 'f3b0c2a4-1d2e-4f5a-8b6c-7d8e9f0a1b2c',
      erasedAt: new Date('2026-03-01T09:00:00Z'),
      endedAt: AT,
    },
  },
  {
    type: 'AccessPermitted',
    data: {
      decisionId: 'd-1',
      consentId: ID,
      subject: '1983081246785',
      organisationId: 'ccss',
      actorId: 'svc-ccss',
      purpose: 'family-allowance-eligibility',
      procedureId: 'allocation-familiale',
      categories: ['persons.address'],
      decidedAt: AT,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      accessRecordedBy: 'registry',
      useNumber: 3,
    },
  },
];

const prefillEvents: PrefillEvent[] = [
  {
    type: 'PrefillPreferenceSet',
    data: {
      subject: '1983081246785',
      source: 'persons',
      procedureId: null,
      preference: 'NEVER',
      setAt: AT,
    },
  },
  {
    type: 'PrefillPreferenceCleared',
    data: { subject: '1983081246785', source: 'persons', procedureId: 'p', clearedAt: AT },
  },
];

const stored = (event: ReturnType<typeof consentCodec.encode>): RecordedEvent =>
  ({ ...event, streamId: `consent-${ID}` }) as unknown as RecordedEvent;

describe('gov.consent.v1 codecs', () => {
  it.each(consentEvents.map((e) => [e.type, e] as const))('round-trips %s', (_, event) => {
    expect(consentCodec.decode(stored(consentCodec.encode(event)))).toEqual(event);
  });

  it.each(prefillEvents.map((e) => [e.type, e] as const))('round-trips %s', (_, event) => {
    expect(prefillCodec.decode(stored(prefillCodec.encode(event)))).toEqual(event);
  });

  it('keeps a covert legal basis permit’s seal and refuses it in a consent stream', () => {
    const permit = {
      decisionId: 'd-2',
      subject: '1983081246785',
      organisationId: 'police',
      actorId: 'svc-police',
      purpose: 'criminal-investigation',
      procedureId: null,
      categories: ['persons.address'],
      basis: { kind: 'legal-basis' as const, legalBasisId: 'police-x', reference: 'CPP art. 48' },
      decidedAt: AT,
      traceId: null,
      sealedUntil: new Date('2027-03-01T10:00:00Z'),
      accessRecordedBy: null,
      useNumber: 0,
    };
    const encoded = encodePermit(permit);
    expect(decodePermit(encoded)).toEqual(permit);
    expect(() => consentCodec.decode(stored(encoded))).toThrow(MalformedConsentPayloadError);
    expect(() =>
      consentCodec.decode({ ...stored(encoded), payload: new Uint8Array([0xff, 0xff]) }),
    ).toThrow(MalformedConsentPayloadError);
  });

  it('round-trips an erasure and refuses one that names no person', () => {
    const erasure = {
      subject: '1983081246785',
      erasedAt: new Date('2026-03-01T09:00:00Z'),
      registryEventId: 'f3b0c2a4-1d2e-4f5a-8b6c-7d8e9f0a1b2c',
      recordedAt: AT,
    };
    const encoded = encodeSubjectErasure(erasure);
    expect(encoded.eventType).toBe('gov.consent.v1.ConsentSubjectErased');
    expect(decodeSubjectErasure(encoded)).toEqual(erasure);
    expect(() => decodeSubjectErasure(encodeSubjectErasure({ ...erasure, subject: '' }))).toThrow(
      MalformedConsentPayloadError,
    );
  });
});
