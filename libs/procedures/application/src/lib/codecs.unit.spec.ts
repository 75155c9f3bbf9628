import {
  InMemorySubjectKeyStore,
  KeyEncryptionKey,
  KeyRing,
  KeyUnavailableError,
} from '@gov/platform-data-protection';
import type { RecordedEvent } from '@gov/platform-event-sourcing';
import type { CaseEvent, PersonalSpaceEvent } from '@gov/procedures-domain';

import {
  MalformedProceduresPayloadError,
  PAYLOAD_SCHEMA_VERSION,
  SEALED_PAYLOAD_SCHEMA_VERSION,
  caseCodec,
  caseCodecFor,
  isErasedIn,
  personalSpaceCodec,
  personalSpaceCodecWith,
} from './codecs';

const ANNA = '1983081246785';
/** A business case's codec: its events hold the business's data, in clear. */
const businessCase = caseCodecFor({ subject: null, keys: KeyRing.EMPTY });

const CASE = '7d1f0c2e-5b7a-4c1e-9a57-0b3f4c2d1e01';
const AT = new Date('2026-03-01T10:00:00.123Z');

/** A stored event as the store would give it back, from what the codec wrote. */
function stored(event: ReturnType<typeof caseCodec.encode>): RecordedEvent {
  return { ...event, streamId: `case-${CASE}`, streamVersion: 1 } as unknown as RecordedEvent;
}

const caseEvents: CaseEvent[] = [
  {
    type: 'DraftStarted',
    data: {
      caseId: CASE,
      procedureId: 'establishment-permit',
      procedureVersion: 1,
      applicant: '1983081246785',
      businessNumber: 'B123',
      organisationId: 'acd',
      startedAt: AT,
    },
  },
  {
    type: 'PrefillPreviewed',
    data: {
      caseId: CASE,
      previewId: 'p',
      sources: [
        {
          source: 'businesses',
          fields: ['managers'],
          defaultAccept: false,
          preferenceRule: 'source',
        },
      ],
      previewedAt: AT,
      expiresAt: AT,
    },
  },
  {
    type: 'PrefillApplied',
    data: {
      caseId: CASE,
      previewId: 'p',
      accepted: ['persons'],
      declined: ['businesses', 'personal-space'],
      fields: [
        {
          field: 'familyName',
          source: 'persons',
          category: 'persons.family_name',
          valueJson: '"S"',
        },
      ],
      appliedAt: AT,
    },
  },
  { type: 'Submitted', data: { caseId: CASE, formJson: '{"a":1}', submittedAt: AT } },
  { type: 'SubmissionReceived', data: { caseId: CASE, receivedAt: AT } },
  { type: 'ReviewStarted', data: { caseId: CASE, startedAt: AT } },
  {
    type: 'InformationRequested',
    data: { caseId: CASE, requestId: 'q', question: 'Why?', requestedAt: AT },
  },
  {
    type: 'InformationProvided',
    data: { caseId: CASE, requestId: 'q', answer: 'Because.', providedAt: AT },
  },
  {
    type: 'SubmissionDecided',
    data: { caseId: CASE, outcome: 'rejected', reason: 'No.', decidedAt: AT },
  },
  { type: 'DecisionLetterSent', data: { caseId: CASE, letterId: 'l', sha256: 'ab', sentAt: AT } },
  {
    type: 'ConsentRequested',
    data: {
      caseId: CASE,
      requestId: 'c',
      organisationId: 'acd',
      categories: ['persons.address'],
      purpose: 'x',
      requestedAt: AT,
    },
  },
  { type: 'ConsentGiven', data: { caseId: CASE, requestId: 'c', consentId: 'k', givenAt: AT } },
  {
    type: 'CorrectionNoticeReceived',
    data: {
      caseId: CASE,
      noticeId: 'n',
      correctionId: 'c',
      organisationId: 'acd',
      field: 'address',
      correctedValueJson: '{"locality":"Esch-sur-Alzette"}',
      acceptedAt: AT,
      receivedAt: new Date(AT.getTime() + 1),
    },
  },
  {
    type: 'CorrectionNoticeAcknowledged',
    data: { caseId: CASE, noticeId: 'n', acknowledgedAt: AT },
  },
];

const spaceEvents: PersonalSpaceEvent[] = [
  {
    type: 'PersonalItemSet',
    data: { subject: '1983081246785', item: 'phone', value: '+352 621 000 000', setAt: AT },
  },
  { type: 'PersonalItemCleared', data: { subject: '1983081246785', item: 'phone', clearedAt: AT } },
];

/** The personal values of each event, as they would appear in the stored bytes. */
const CLEAR_VALUES = ['"S"', '{"a":1}', 'Why?', 'Because.', 'No.', 'Esch-sur-Alzette'];

describe('the gov.procedures.v1 codecs', () => {
  it.each(caseEvents.map((event) => [event.type, event] as const))(
    'round-trips %s of a business case, in clear',
    (_, event) => {
      const encoded = businessCase.encode(event);
      expect(encoded.payloadSchemaVersion).toBe(PAYLOAD_SCHEMA_VERSION);
      expect(encoded.dataSubjectKeyId).toBeUndefined();
      expect(businessCase.decode(stored(encoded))).toEqual(event);
    },
  );

  it('refuses a payload of another stream’s type', () => {
    const keys = KeyRing.EMPTY;
    const spaceEvent = stored(
      personalSpaceCodecWith(keys).encode({
        type: 'PersonalItemCleared',
        data: { subject: ANNA, item: 'phone', clearedAt: AT },
      }),
    );
    expect(() => caseCodec.decode(spaceEvent)).toThrow(MalformedProceduresPayloadError);
  });

  it('refuses to write personal values where nothing may be opened (a projection’s codec)', () => {
    expect(() => caseCodec.encode(caseEvents[3] as CaseEvent)).toThrow(TypeError);
    expect(() => personalSpaceCodec.encode(spaceEvents[0] as PersonalSpaceEvent)).toThrow(
      TypeError,
    );
  });
});

describe('a person’s values, sealed under their key', () => {
  let store: InMemorySubjectKeyStore;
  let keys: KeyRing;
  beforeEach(async () => {
    store = new InMemorySubjectKeyStore(KeyEncryptionKey.generate());
    keys = await KeyRing.forWriting(store, [ANNA]);
  });
  const personal = () => caseCodecFor({ subject: ANNA, keys });

  it.each(caseEvents.map((event) => [event.type, event] as const))(
    'seals and opens %s',
    (_, event) => {
      const encoded = personal().encode(event);
      expect(personal().decode(stored(encoded))).toEqual(event);
    },
  );

  it('keeps the values out of the stored bytes, and names the key in the envelope', () => {
    const encoded = caseEvents.map((event) => personal().encode(event));
    const bytes = Buffer.concat(encoded.map((e) => e.payload)).toString('utf8');
    for (const value of CLEAR_VALUES) expect(bytes).not.toContain(value);
    const sealed = encoded.filter((e) => e.dataSubjectKeyId !== undefined);
    expect(sealed.map((e) => e.eventType.replace('gov.procedures.v1.', ''))).toEqual([
      'PrefillApplied',
      'Submitted',
      'InformationRequested',
      'InformationProvided',
      'SubmissionDecided',
      'CorrectionNoticeReceived',
    ]);
    expect(sealed.every((e) => e.payloadSchemaVersion === SEALED_PAYLOAD_SCHEMA_VERSION)).toBe(
      true,
    );
    const key = [...new Set(sealed.map((e) => e.dataSubjectKeyId))];
    expect(key).toHaveLength(1);
  });

  it('reads a destroyed key’s values as withheld, never as malformed', async () => {
    const encoded = caseEvents.map((event) => stored(personal().encode(event)));
    await store.destroy(ANNA, AT);
    const after = await KeyRing.forReading(
      store,
      encoded.flatMap((e) => (e.dataSubjectKeyId === null ? [] : [e.dataSubjectKeyId])),
    );
    const codec = caseCodecFor({ subject: ANNA, keys: after });
    const decoded = encoded.map((e) => codec.decode(e));
    expect(decoded.find((e) => e.type === 'Submitted')?.data).toMatchObject({ formJson: 'null' });
    expect(decoded.find((e) => e.type === 'InformationRequested')?.data).toMatchObject({
      question: '',
    });
    expect(decoded.find((e) => e.type === 'SubmissionDecided')?.data).toMatchObject({
      outcome: 'rejected',
      reason: '',
    });
    expect(encoded.filter((e) => isErasedIn(e, after))).toHaveLength(6);
    expect(decoded.find((e) => e.type === 'ConsentRequested')).toEqual(caseEvents[10]);
  });

  it('fails with KeyUnavailableError where the key has not arrived (a replica)', () => {
    const event = stored(personal().encode(caseEvents[3] as CaseEvent));
    const elsewhere = caseCodecFor({ subject: ANNA, keys: KeyRing.EMPTY });
    expect(() => elsewhere.decode(event)).toThrow(KeyUnavailableError);
  });

  it('refuses sealed values moved to another person’s case', () => {
    const event = stored(personal().encode(caseEvents[3] as CaseEvent));
    const other = caseCodecFor({ subject: '1990013100012', keys });
    expect(() => other.decode(event)).toThrow(MalformedProceduresPayloadError);
  });

  it('reads events written before sealing (revision 1) in clear', () => {
    for (const event of caseEvents) {
      expect(personal().decode(stored(businessCase.encode(event)))).toEqual(event);
    }
  });

  it('withholds the values in a projection’s codec, which opens nothing', () => {
    const event = stored(personal().encode(caseEvents[6] as CaseEvent));
    expect(caseCodec.decode(event).data).toMatchObject({ requestId: 'q', question: '' });
  });

  it('seals the personal space under the person’s key', async () => {
    const codec = personalSpaceCodecWith(keys);
    const encoded = spaceEvents.map((event) => codec.encode(event));
    expect(Buffer.concat(encoded.map((e) => e.payload)).toString('utf8')).not.toContain('621');
    expect(encoded[0]?.dataSubjectKeyId).toBeDefined();
    for (const [i, event] of spaceEvents.entries()) {
      expect(codec.decode(stored(encoded[i] as ReturnType<typeof codec.encode>))).toEqual(event);
    }
    await store.destroy(ANNA, AT);
    const after = await KeyRing.forReading(store, [encoded[0]?.dataSubjectKeyId ?? '']);
    const set = personalSpaceCodecWith(after).decode(
      stored(encoded[0] as ReturnType<typeof codec.encode>),
    );
    expect(set).toMatchObject({ type: 'PersonalItemSet', data: { item: 'phone', value: '' } });
  });
});
