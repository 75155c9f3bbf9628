import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import {
  CivilStatus,
  CorrectionCommunicatedSchema,
  CorrectionCommunicated_RecipientSchema,
  CorrectionRejectedSchema,
  CorrectionRequestedSchema,
  CorrectionRequested_PersonalDataSchema,
  Register,
  PersonRegisteredSchema,
  PersonRegistered_PersonalDataSchema,
  SexMarker,
} from '@gov/contracts';
import {
  InMemorySubjectKeyStore,
  KeyEncryptionKey,
  KeyRing,
  KeyUnavailableError,
  SubjectErasedError,
} from '@gov/platform-data-protection';
import type { SubjectKeys } from '@gov/platform-data-protection';
import { composeNationalId } from '@gov/registry-domain';
import type {
  BusinessEvent,
  BusinessNumber,
  CorrectionEvent,
  NationalId,
  PersonEvent,
} from '@gov/registry-domain';

import type { PersonalDataAccessed } from '../access/personal-data-accessed';
import { ESCH, LUXEMBOURG } from '../../testing/registry-testbed';
import { accessEventsCodec } from './access-events.codec';
import { businessEventsCodec } from './business-events.codec';
import { correctionEventsCodec, correctionFactsOf } from './correction-events.codec';
import { NO_PERSONAL_DATA, PAYLOAD_SCHEMA_VERSION, SEALED_PAYLOAD_SCHEMA_VERSION } from './payload';
import type { PayloadCodec } from './payload';
import { personCorrectionToProto, personEventsCodec } from './person-events.codec';
import { MalformedPayloadError } from './proto-values';

const ANNA = composeNationalId('1983-08-12', 467);
const BEN = composeNationalId('1990-01-31', 12);
const CARLA = composeNationalId('1975-06-03', 5);
const B42 = 'B42' as BusinessNumber;
const CORRECTION = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const AT = new Date('2026-03-01T10:00:00.000Z');

const keyStore = new InMemorySubjectKeyStore(KeyEncryptionKey.generate());
let personKeys: KeyRing;
beforeAll(async () => {
  personKeys = await KeyRing.forWriting(keyStore, [ANNA, BEN]);
});

const personEvents: PersonEvent[] = [
  {
    type: 'PersonRegistered',
    data: {
      nationalId: ANNA,
      givenNames: 'Anna Maria',
      familyName: 'Schmit',
      birthDate: '1983-08-12',
      placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
      sex: 'F',
      nationalities: ['LU', 'PT'],
      address: LUXEMBOURG,
      civilStatus: 'single',
    },
  },
  {
    type: 'PersonRegistered',
    data: {
      nationalId: BEN,
      givenNames: 'Ben',
      familyName: 'Weber',
      birthDate: '1990-01-31',
      placeOfBirth: null,
      sex: 'X',
      nationalities: ['DE'],
      address: { ...ESCH, country: 'FR', postcode: '57000' },
      civilStatus: 'partnered',
    },
  },
  {
    type: 'PersonNameChanged',
    data: { nationalId: ANNA, givenNames: 'Anna', familyName: 'Schmit-Weber' },
  },
  { type: 'PersonAddressChanged', data: { nationalId: ANNA, address: ESCH } },
  {
    type: 'PersonCivilStatusChanged',
    data: { nationalId: ANNA, civilStatus: 'married', effectiveDate: '2020-06-06' },
  },
  { type: 'PersonDeathRecorded', data: { nationalId: ANNA, dateOfDeath: '2026-02-01' } },
  ...(
    [
      { field: 'givenNames', value: 'Anna Marie' },
      { field: 'familyName', value: 'Schmidt' },
      { field: 'placeOfBirth', value: { locality: 'Diekirch', country: 'LU' } },
      { field: 'sex', value: 'M' },
      { field: 'nationalities', value: ['LU', 'BE'] },
      { field: 'address', value: ESCH },
    ] as const
  ).map((correction): PersonEvent => ({
    type: 'PersonRecordCorrected',
    data: { nationalId: ANNA, correctionId: CORRECTION, correction },
  })),
  { type: 'PersonErased', data: { nationalId: ANNA, legalGround: 'court decision 2026/123' } },
];

const businessEvents: BusinessEvent[] = [
  {
    type: 'BusinessRegistered',
    data: {
      businessNumber: B42,
      name: 'Moselle Logistics',
      legalForm: 'SARL-S',
      registeredAddress: LUXEMBOURG,
      managers: [
        { nationalId: ANNA, role: 'managing-director' },
        { nationalId: BEN, role: 'daily-manager' },
      ],
    },
  },
  { type: 'BusinessAddressChanged', data: { businessNumber: B42, registeredAddress: ESCH } },
  {
    type: 'BusinessManagersChanged',
    data: { businessNumber: B42, managers: [{ nationalId: CARLA, role: 'director' }] },
  },
  {
    type: 'BusinessStruckOff',
    data: { businessNumber: B42, effectiveDate: '2026-02-27', ground: 'bankruptcy' },
  },
  ...(
    [
      { field: 'name', value: 'Moselle Logistique' },
      { field: 'legalForm', value: 'SCSp' },
      { field: 'registeredAddress', value: ESCH },
    ] as const
  ).map((correction): BusinessEvent => ({
    type: 'BusinessRecordCorrected',
    data: { businessNumber: B42, correctionId: CORRECTION, correction },
  })),
];

const personTarget = {
  register: 'persons',
  recordId: ANNA,
  correction: { field: 'familyName', value: 'Schmidt' },
} as const;
const businessTarget = {
  register: 'businesses',
  recordId: B42,
  correction: { field: 'registeredAddress', value: ESCH },
} as const;

const correctionEvents: CorrectionEvent[] = [personTarget, businessTarget].flatMap(
  (target): CorrectionEvent[] => [
    {
      type: 'CorrectionRequested',
      data: {
        correctionId: CORRECTION,
        target,
        justification: 'The record misspells my name; see my birth certificate.',
        requester: ANNA,
      },
    },
    {
      type: 'CorrectionAccepted',
      data: { correctionId: CORRECTION, target, requester: ANNA, acceptedBy: 'clerk-1' },
    },
    {
      type: 'CorrectionRejected',
      data: {
        correctionId: CORRECTION,
        register: target.register,
        recordId: target.recordId,
        field: target.correction.field,
        requester: ANNA,
        rejectedBy: 'clerk-1',
        reason: 'The birth certificate shows the recorded spelling.',
      },
    },
  ],
);
correctionEvents.push(
  {
    type: 'CorrectionCommunicated',
    data: {
      correctionId: CORRECTION,
      register: 'persons',
      recordId: ANNA,
      field: 'familyName',
      recipients: [],
      communicatedAt: AT,
    },
  },
  {
    type: 'CorrectionCommunicated',
    data: {
      correctionId: CORRECTION,
      register: 'persons',
      recordId: ANNA,
      field: 'placeOfBirth',
      recipients: [
        {
          organisationId: 'cae',
          noticeId: '1b4e28ba-2fa1-5ed2-883f-0e1a0e1a0e1a',
          lastReceivedAt: new Date('2026-02-28T08:00:00.000Z'),
          purpose: 'family-allowance-eligibility',
          legalBasis: 'consent/7c9e6679-7425-40de-944b-e07fc1f90ae7',
          consentId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
          procedureId: 'family-allowance',
        },
        {
          organisationId: 'police',
          noticeId: '2b4e28ba-2fa1-5ed2-883f-0e1a0e1a0e1a',
          lastReceivedAt: new Date('2026-02-27T08:00:00.000Z'),
          purpose: 'investigation',
          legalBasis: 'code de procédure pénale, art. 48-24',
          legalBasisId: 'police-investigations',
          sealedUntil: new Date('2026-06-01T00:00:00.000Z'),
        },
      ],
      communicatedAt: AT,
    },
  },
);

const accessEvents: PersonalDataAccessed[] = [
  {
    type: 'PersonalDataAccessed',
    data: {
      subjectNationalId: ANNA,
      organisationId: 'ccss',
      purpose: 'family-allowance-eligibility',
      legalBasis: 'loi du 19 juin 2013, art. 10',
      fieldsRead: ['national_id', 'family_name', 'address'],
      accessedAt: AT,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      accessorRole: 'agency-system',
    },
  },
  {
    type: 'PersonalDataAccessed',
    data: {
      subjectNationalId: ANNA,
      organisationId: 'rnpp',
      purpose: 'keeping the register of natural persons',
      legalBasis: 'loi du 19 juin 2013',
      fieldsRead: ['national_id'],
      accessedAt: AT,
      traceId: null,
      accessorRole: 'registrar',
    },
  },
];

/** How a codec stores an event: the payload's revision and whether it names a key. */
interface Storage {
  readonly keys: () => SubjectKeys;
  readonly sealed: (event: { type: string; data?: unknown }) => boolean;
}
const PLAIN: Storage = { keys: () => NO_PERSONAL_DATA, sealed: () => false };

function roundTrips<E extends { type: string }>(
  codec: PayloadCodec<E>,
  events: readonly E[],
  storage: Storage = PLAIN,
) {
  it.each(events.map((event, i) => [`${event.type} #${i}`, event] as const))(
    'round-trips %s through its gov.registry.v1 payload',
    (_, event) => {
      const stored = codec.encode(event, AT, storage.keys());
      expect(stored.eventType).toBe(`gov.registry.v1.${event.type}`);
      const sealed = storage.sealed(event);
      expect(stored.payloadSchemaVersion).toBe(
        sealed ? SEALED_PAYLOAD_SCHEMA_VERSION : PAYLOAD_SCHEMA_VERSION,
      );
      expect(stored.dataSubjectKeyId === undefined).toBe(!sealed);
      expect(stored.occurredAt).toEqual(AT);
      expect(codec.eventTypes).toContain(stored.eventType);
      expect(
        codec.decode(
          { ...stored, dataSubjectKeyId: stored.dataSubjectKeyId ?? null },
          storage.keys(),
        ),
      ).toEqual(event);
    },
  );

  it('covers every event type it declares', () => {
    const encoded = new Set(
      events.map((event) => codec.encode(event, AT, storage.keys()).eventType),
    );
    expect([...encoded].sort()).toEqual([...codec.eventTypes].sort());
  });
}

/** A person event as stored (the envelope's key id as the store gives it back). */
function storedPerson(event: PersonEvent, keys: SubjectKeys = personKeys) {
  const stored = personEventsCodec.encode(event, AT, keys);
  return { ...stored, dataSubjectKeyId: stored.dataSubjectKeyId ?? null };
}

describe('person events codec', () => {
  roundTrips(personEventsCodec, personEvents, {
    keys: () => personKeys,
    sealed: ({ type }) => type !== 'PersonErased',
  });

  it('seals the personal data under the person’s key: only the number stays in clear', () => {
    const stored = storedPerson(personEvents[0] as PersonEvent);
    const message = fromBinary(PersonRegisteredSchema, stored.payload);
    expect(message.nationalId).toBe(ANNA);
    expect(message.personalData).toBeUndefined();
    expect(message.sealedPersonalData.length).toBeGreaterThan(40);
    expect(Buffer.from(stored.payload).includes('Schmit')).toBe(false);
    expect(Buffer.from(stored.payload).includes('Ettelbruck')).toBe(false);
    expect(stored.dataSubjectKeyId).toBe(personKeys.seal(ANNA, new Uint8Array(), []).keyId);
  });

  it('seals each person under their own key', () => {
    const anna = storedPerson(personEvents[0] as PersonEvent);
    const ben = storedPerson(personEvents[1] as PersonEvent);
    expect(anna.dataSubjectKeyId).not.toBe(ben.dataSubjectKeyId);
    // Ben's sealed data in Anna's event does not open: the bytes are bound to the subject.
    const annaMessage = fromBinary(PersonRegisteredSchema, anna.payload);
    const benMessage = fromBinary(PersonRegisteredSchema, ben.payload);
    const swapped = toBinary(
      PersonRegisteredSchema,
      create(PersonRegisteredSchema, {
        nationalId: annaMessage.nationalId,
        sealedPersonalData: benMessage.sealedPersonalData,
      }),
    );
    expect(() =>
      personEventsCodec.decode(
        { ...anna, payload: swapped, dataSubjectKeyId: ben.dataSubjectKeyId },
        personKeys,
      ),
    ).toThrow(/sealed personal data does not open/);
  });

  it('answers erased once the person’s key is destroyed, and unavailable without the key', async () => {
    const store = new InMemorySubjectKeyStore(KeyEncryptionKey.generate());
    const keys = await KeyRing.forWriting(store, [ANNA]);
    const stored = storedPerson(personEvents[2] as PersonEvent, keys);
    expect(() => personEventsCodec.decode(stored, KeyRing.EMPTY)).toThrow(KeyUnavailableError);
    await store.destroy(ANNA, AT);
    const afterwards = await KeyRing.forReading(store, [stored.dataSubjectKeyId ?? '']);
    expect(() => personEventsCodec.decode(stored, afterwards)).toThrow(SubjectErasedError);
    expect(() => personEventsCodec.encode(personEvents[2] as PersonEvent, AT, afterwards)).toThrow(
      SubjectErasedError,
    );
  });

  it('still reads an event written before sealing, with its personal data in clear', () => {
    const clear = toBinary(
      PersonRegisteredSchema,
      create(PersonRegisteredSchema, {
        nationalId: ANNA,
        personalData: create(PersonRegistered_PersonalDataSchema, {
          givenNames: 'Anna',
          familyName: 'Schmit',
          birthDate: '1983-08-12',
          sex: SexMarker.F,
          nationalities: ['LU'],
          address: {
            street: 'Rue',
            houseNumber: '1',
            postcode: '2449',
            locality: 'L',
            country: 'LU',
          },
          civilStatus: CivilStatus.MARRIED,
        }),
      }),
    );
    const decoded = personEventsCodec.decode(
      { eventType: PersonRegisteredSchema.typeName, payload: clear, dataSubjectKeyId: null },
      KeyRing.EMPTY,
    );
    expect(decoded).toMatchObject({ type: 'PersonRegistered', data: { familyName: 'Schmit' } });
  });

  it('refuses a payload with an unspecified enum value, a missing part, or other bytes', () => {
    const unspecified = toBinary(
      PersonRegisteredSchema,
      create(PersonRegisteredSchema, {
        nationalId: ANNA,
        personalData: create(PersonRegistered_PersonalDataSchema, {
          givenNames: 'Anna',
          familyName: 'Schmit',
          birthDate: '1983-08-12',
          nationalities: ['LU'],
          address: {},
        }),
      }),
    );
    const type = PersonRegisteredSchema.typeName;
    const decode = (payload: Uint8Array) => () =>
      personEventsCodec.decode({ eventType: type, payload, dataSubjectKeyId: null }, KeyRing.EMPTY);
    expect(decode(unspecified)).toThrow(/sex: unknown enum value 0/);
    const withoutData = toBinary(
      PersonRegisteredSchema,
      create(PersonRegisteredSchema, { nationalId: ANNA }),
    );
    expect(decode(withoutData)).toThrow(/personal_data is required/);
    expect(decode(Uint8Array.from([0xff, 0xff]))).toThrow(MalformedPayloadError);
    const sealedWithoutKeyId = toBinary(
      PersonRegisteredSchema,
      create(PersonRegisteredSchema, { nationalId: ANNA, sealedPersonalData: new Uint8Array(48) }),
    );
    expect(decode(sealedWithoutKeyId)).toThrow(/sealed personal data without a key id/);
  });

  it('refuses an event type of another aggregate', () => {
    const stored = businessEventsCodec.encode(
      businessEvents[0] as BusinessEvent,
      AT,
      NO_PERSONAL_DATA,
    );
    expect(() =>
      personEventsCodec.decode({ ...stored, dataSubjectKeyId: null }, NO_PERSONAL_DATA),
    ).toThrow(/not an event of the person streams/);
  });
});

describe('business events codec', () => {
  roundTrips(businessEventsCodec, businessEvents);
});

/** The register a correction event is about: a person's is sealed, a business's is not. */
function registerOf(event: CorrectionEvent): string {
  switch (event.type) {
    case 'CorrectionRequested':
    case 'CorrectionAccepted':
      return event.data.target.register;
    default:
      return event.data.register;
  }
}

describe('correction events codec', () => {
  roundTrips(correctionEventsCodec, correctionEvents, {
    keys: () => personKeys,
    sealed: (event) =>
      registerOf(event as CorrectionEvent) === 'persons' && event.type !== 'CorrectionCommunicated',
  });

  it('seals a person’s words and values under their key; the facts stay in clear', () => {
    for (const event of correctionEvents.filter(
      (candidate) =>
        registerOf(candidate) === 'persons' && candidate.type !== 'CorrectionCommunicated',
    )) {
      const stored = correctionEventsCodec.encode(event, AT, personKeys);
      const clear = Buffer.from(stored.payload).toString('latin1');
      for (const word of ['Schmidt', 'misspells', 'birth certificate', 'recorded spelling']) {
        expect(clear).not.toContain(word);
      }
      const facts = correctionFactsOf({
        ...stored,
        dataSubjectKeyId: stored.dataSubjectKeyId ?? null,
      });
      expect(facts.correctionId).toBe(CORRECTION);
      if (facts.type === 'CorrectionRequested') {
        expect(facts).toMatchObject({ register: 'persons', recordId: ANNA, requester: ANNA });
        expect(facts.field).toBe(
          (event as { data: { target: { correction: { field: string } } } }).data.target.correction
            .field,
        );
      }
      if (facts.type === 'CorrectionRejected') expect(facts.reason).toBeNull();
    }
  });

  it('keeps a business’s correction in clear, the rejection’s reason readable without keys', () => {
    const rejected = correctionEvents.find(
      (event) => event.type === 'CorrectionRejected' && event.data.register === 'businesses',
    ) as Extract<CorrectionEvent, { type: 'CorrectionRejected' }>;
    const stored = correctionEventsCodec.encode(rejected, AT, NO_PERSONAL_DATA);
    expect(stored.dataSubjectKeyId).toBeUndefined();
    expect(correctionFactsOf({ ...stored, dataSubjectKeyId: null })).toEqual({
      type: 'CorrectionRejected',
      correctionId: rejected.data.correctionId,
      rejectedBy: rejected.data.rejectedBy,
      reason: rejected.data.reason,
    });
  });

  it('reads a request written before sealing: the field from the clear proposal', () => {
    const requested = correctionEvents.find(
      (event) => event.type === 'CorrectionRequested' && event.data.target.register === 'persons',
    ) as Extract<CorrectionEvent, { type: 'CorrectionRequested' }>;
    const { target } = requested.data;
    if (target.register !== 'persons') throw new Error('expected a person’s record');
    // Revision 1: the personal data in clear, no `field`, no key.
    const payload = toBinary(
      CorrectionRequestedSchema,
      create(CorrectionRequestedSchema, {
        correctionId: requested.data.correctionId,
        register: Register.PERSONS,
        recordId: requested.data.target.recordId,
        requesterNationalId: requested.data.requester,
        personalData: create(CorrectionRequested_PersonalDataSchema, {
          justification: requested.data.justification,
          proposed: {
            case: 'person',
            value: personCorrectionToProto(target.correction),
          },
        }),
      }),
    );
    const stored = {
      eventType: CorrectionRequestedSchema.typeName,
      payload,
      dataSubjectKeyId: null,
    };
    expect(correctionEventsCodec.decode(stored, KeyRing.EMPTY)).toEqual(requested);
    expect(correctionFactsOf(stored)).toMatchObject({
      field: requested.data.target.correction.field,
    });
  });

  it('gives erased for a request whose person’s key was destroyed', async () => {
    const store = new InMemorySubjectKeyStore(KeyEncryptionKey.generate());
    const requested = correctionEvents.find(
      (event) => event.type === 'CorrectionRequested' && event.data.target.register === 'persons',
    ) as CorrectionEvent;
    const stored = correctionEventsCodec.encode(
      requested,
      AT,
      await KeyRing.forWriting(store, [ANNA]),
    );
    await store.destroy(ANNA, AT);
    const keys = await KeyRing.forReading(store, [stored.dataSubjectKeyId ?? '']);
    expect(() =>
      correctionEventsCodec.decode(
        { ...stored, dataSubjectKeyId: stored.dataSubjectKeyId ?? null },
        keys,
      ),
    ).toThrow(SubjectErasedError);
  });

  it('names a rejected field by its case in the proto correction message', () => {
    const rejected = correctionEvents.find(
      (event) => event.type === 'CorrectionRejected' && event.data.register === 'businesses',
    ) as CorrectionEvent;
    const stored = correctionEventsCodec.encode(rejected, AT, NO_PERSONAL_DATA);
    expect(fromBinary(CorrectionRejectedSchema, stored.payload).field).toBe('registered_address');
  });

  it('names a communicated field by its case in PersonCorrection', () => {
    const communicated = correctionEvents.at(-1) as CorrectionEvent;
    const stored = correctionEventsCodec.encode(communicated, AT, NO_PERSONAL_DATA);
    expect(fromBinary(CorrectionCommunicatedSchema, stored.payload).field).toBe('place_of_birth');
  });

  it('refuses a communication that is broken: a business, an unknown field, no times', () => {
    const type = CorrectionCommunicatedSchema.typeName;
    const payload = (fields: MessageInitShape<typeof CorrectionCommunicatedSchema>) =>
      toBinary(
        CorrectionCommunicatedSchema,
        create(CorrectionCommunicatedSchema, {
          correctionId: CORRECTION,
          register: Register.PERSONS,
          recordId: ANNA,
          field: 'family_name',
          communicatedAt: timestampFromDate(AT),
          ...fields,
        }),
      );
    const decode = (bytes: Uint8Array) => () =>
      correctionEventsCodec.decode(
        { eventType: type, payload: bytes, dataSubjectKeyId: null },
        NO_PERSONAL_DATA,
      );
    expect(decode(payload({}))).not.toThrow();
    expect(decode(payload({ register: Register.BUSINESSES }))).toThrow(MalformedPayloadError);
    expect(decode(payload({ field: 'birth_date' }))).toThrow(/not correctable/);
    expect(decode(payload({ communicatedAt: undefined }))).toThrow(/communicated_at is required/);
    expect(
      decode(
        payload({
          recipients: [
            create(CorrectionCommunicated_RecipientSchema, {
              organisationId: 'cae',
              noticeId: 'n',
            }),
          ],
        }),
      ),
    ).toThrow(/last_received_at is required/);
    expect(decode(Uint8Array.from([0xff, 0xff]))).toThrow(MalformedPayloadError);
  });
});

describe('access events codec', () => {
  roundTrips(accessEventsCodec, accessEvents);
});

describe('payload of every event', () => {
  it('is stored with a distinct, fully-qualified event type per domain event', () => {
    const types = [
      ...personEventsCodec.eventTypes,
      ...businessEventsCodec.eventTypes,
      ...correctionEventsCodec.eventTypes,
      ...accessEventsCodec.eventTypes,
    ];
    expect(new Set(types).size).toBe(types.length);
    expect(types.every((type) => /^gov\.registry\.v1\.[A-Z]\w+$/.test(type))).toBe(true);
  });

  it('leaves the national id typed as the domain brands it', () => {
    const decoded = personEventsCodec.decode(
      storedPerson(personEvents[0] as PersonEvent),
      personKeys,
    );
    const id: NationalId = decoded.data.nationalId;
    expect(id).toBe(ANNA);
  });
});
