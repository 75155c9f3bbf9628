import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import {
  AccessPermittedSchema,
  AccessorRole,
  CorrectionCommunicatedSchema,
  LetterContentReadSchema,
  LetterCreatedSchema,
  PersonalDataAccessedSchema,
  PersonRegisteredSchema,
  RecipientKind,
  Register,
} from '@gov/contracts';

import { canonicalLeafOf, canonicalLeafText, entryIdFor, parseCanonicalLeaf } from './access-entry';
import type { AccessEntry } from './access-entry';
import { decodeAccessRecorded, encodeAccessRecorded } from './access-recorded.codec';
import {
  InvalidSourceEventError,
  entriesFromCorrectionCommunicated,
  entryFromConsentEvent,
  entryFromLetterboxEvent,
  entryFromRegistryEvent,
} from './access-sources';

const SALT = new Uint8Array(32).fill(7);
const NID = '1983081246785';
const at = new Date('2026-03-01T10:00:00.123Z');

const entry: AccessEntry = {
  entryId: entryIdFor('registry', '0190f5a4-0000-7000-8000-000000000001'),
  subjectNationalId: NID,
  organisationId: 'ccss',
  actorId: null,
  capacity: 'agency-official',
  fields: ['family_name', 'address'],
  accessedAt: at,
  purpose: 'family allowance',
  legalBasis: 'CSS art. 269',
  legalBasisId: null,
  consentId: null,
  procedureId: null,
  traceId: null,
  source: {
    service: 'registry',
    eventId: '0190f5a4-0000-7000-8000-000000000001',
    eventType: 'gov.registry.v1.PersonalDataAccessed',
  },
  sealedUntil: null,
  salt: SALT,
};

describe('an access entry', () => {
  it('has an id derived from its source event only (a UUID, version 8)', () => {
    expect(entryIdFor('registry', 'e1')).toBe(entryIdFor('registry', 'e1'));
    expect(entryIdFor('registry', 'e1')).not.toBe(entryIdFor('consent', 'e1'));
    expect(entryIdFor('registry', 'e1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('has one canonical leaf: sorted members, no whitespace, nulls kept, salt in base64url', () => {
    const text = canonicalLeafText(canonicalLeafOf(entry));
    expect(text.startsWith('{"accessedAt":"2026-03-01T10:00:00.123Z","actorId":null,')).toBe(true);
    expect(text).toContain(`"salt":"${Buffer.from(SALT).toString('base64url')}"`);
    expect(text).not.toMatch(/\s"|":\s/);
    const reordered = JSON.parse(text) as Record<string, unknown>;
    const shuffled = Object.fromEntries(Object.entries(reordered).reverse());
    expect(canonicalLeafText(parseCanonicalLeaf(shuffled))).toBe(text);
  });

  it('refuses a leaf with a member missing, mistyped or unknown', () => {
    const leaf = canonicalLeafOf(entry) as unknown as Record<string, unknown>;
    expect(() => parseCanonicalLeaf({ ...leaf, purpose: 3 })).toThrow(/purpose/);
    expect(() => parseCanonicalLeaf({ ...leaf, extra: 'x' })).toThrow(/extra/);
    const withoutSalt = Object.fromEntries(Object.entries(leaf).filter(([key]) => key !== 'salt'));
    expect(() => parseCanonicalLeaf(withoutSalt)).toThrow(/salt/);
  });

  it('round-trips through gov.audit.v1.AccessRecorded, sealing included', () => {
    const sealed = { ...entry, sealedUntil: new Date('2027-01-01T00:00:00Z'), actorId: 'svc-1' };
    const stored = encodeAccessRecorded(sealed, at);
    expect(stored.eventId).toBe(entry.entryId);
    expect(decodeAccessRecorded(stored)).toEqual(sealed);
  });
});

describe('entries from the sources', () => {
  const registryEvent = (
    payload: Uint8Array,
    eventType = 'gov.registry.v1.PersonalDataAccessed',
  ) => ({
    eventId: '0190f5a4-0000-7000-8000-000000000002',
    eventType,
    payload,
    producer: 'registry',
  });
  const accessed = (
    overrides: { fieldsRead?: string[]; legalBasis?: string; accessorRole?: AccessorRole } = {},
  ) =>
    toBinary(
      PersonalDataAccessedSchema,
      create(PersonalDataAccessedSchema, {
        subjectNationalId: NID,
        organisationId: 'ccss',
        purpose: 'family allowance',
        legalBasis: 'CSS art. 269',
        fieldsRead: ['family_name'],
        accessedAt: timestampFromDate(at),
        accessorRole: AccessorRole.AGENCY_OFFICIAL,
        ...overrides,
      }),
    );

  it('turns a PersonalDataAccessed into an entry; a consent reference becomes the consent id', () => {
    const plain = entryFromRegistryEvent(registryEvent(accessed()), SALT);
    const consented = entryFromRegistryEvent(
      registryEvent(accessed({ legalBasis: 'consent/6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7' })),
      SALT,
    );
    expect(plain).toMatchObject({
      subjectNationalId: NID,
      capacity: 'agency-official',
      legalBasis: 'CSS art. 269',
      consentId: null,
      fields: ['family_name'],
      accessedAt: at,
      source: { service: 'registry', eventId: '0190f5a4-0000-7000-8000-000000000002' },
    });
    expect(consented).toMatchObject({
      legalBasis: null,
      consentId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
    });
  });

  it('takes the catalogue basis, the consent and the seal of a covert basis from their fields', () => {
    const onBasis = toBinary(
      PersonalDataAccessedSchema,
      create(PersonalDataAccessedSchema, {
        subjectNationalId: NID,
        organisationId: 'police',
        purpose: 'criminal-investigation',
        legalBasis: 'Code de procédure pénale, art. 48-24',
        legalBasisId: 'police-criminal-investigation',
        fieldsRead: ['address'],
        accessedAt: timestampFromDate(at),
        accessorRole: AccessorRole.AGENCY_SYSTEM,
        sealedUntil: timestampFromDate(new Date('2027-03-01T10:00:00Z')),
      }),
    );
    const onConsent = toBinary(
      PersonalDataAccessedSchema,
      create(PersonalDataAccessedSchema, {
        subjectNationalId: NID,
        organisationId: 'ccss',
        purpose: 'family-allowance-eligibility',
        legalBasis: 'consent/6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
        consentId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
        fieldsRead: ['address'],
        accessedAt: timestampFromDate(at),
        accessorRole: AccessorRole.AGENCY_SYSTEM,
      }),
    );
    expect(entryFromRegistryEvent(registryEvent(onBasis), SALT)).toMatchObject({
      legalBasis: 'Code de procédure pénale, art. 48-24',
      legalBasisId: 'police-criminal-investigation',
      consentId: null,
      sealedUntil: new Date('2027-03-01T10:00:00Z'),
    });
    expect(entryFromRegistryEvent(registryEvent(onConsent), SALT)).toMatchObject({
      legalBasis: null,
      legalBasisId: null,
      consentId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
      sealedUntil: null,
    });
  });

  it('names the reader and the procedure the registry recorded', () => {
    const prefill = toBinary(
      PersonalDataAccessedSchema,
      create(PersonalDataAccessedSchema, {
        subjectNationalId: '1983081246785',
        organisationId: 'procedures',
        purpose: 'procedure-prefill',
        legalBasis: 'Règlement (UE) 2018/1724, art. 14',
        legalBasisId: 'procedures-prefill-explicit-request',
        procedureId: 'allocation-familiale',
        fieldsRead: ['address'],
        accessedAt: timestampFromDate(new Date('2026-03-01T10:00:00Z')),
        accessorRole: AccessorRole.AGENCY_SYSTEM,
      }),
    );
    const event = {
      ...registryEvent(prefill),
      actor: { kind: 'agency', id: 'procedures-service', organisationId: 'procedures' },
    };
    expect(entryFromRegistryEvent(event, SALT)).toMatchObject({
      actorId: 'procedures-service',
      procedureId: 'allocation-familiale',
    });
    expect(entryFromRegistryEvent(registryEvent(prefill), SALT)).toMatchObject({
      actorId: null,
    });
  });

  it("ignores the registry's other events and refuses a broken PersonalDataAccessed", () => {
    const registered = toBinary(PersonRegisteredSchema, create(PersonRegisteredSchema, {}));
    expect(
      entryFromRegistryEvent(registryEvent(registered, PersonRegisteredSchema.typeName), SALT),
    ).toBeNull();
    expect(() => entryFromRegistryEvent(registryEvent(accessed({ fieldsRead: [] })), SALT)).toThrow(
      InvalidSourceEventError,
    );
    expect(() =>
      entryFromRegistryEvent(
        registryEvent(accessed({ accessorRole: AccessorRole.UNSPECIFIED })),
        SALT,
      ),
    ).toThrow(/accessor_role/);
    expect(() => entryFromRegistryEvent(registryEvent(Uint8Array.of(0xff, 0xff)), SALT)).toThrow(
      InvalidSourceEventError,
    );
  });

  it('records an AccessPermitted only when no other service records the access', () => {
    const permit = (accessRecordedBy: string) => ({
      eventId: '0190f5a4-0000-7000-8000-000000000003',
      eventType: AccessPermittedSchema.typeName,
      producer: 'consent',
      payload: toBinary(
        AccessPermittedSchema,
        create(AccessPermittedSchema, {
          decisionId: 'd1',
          subjectNationalId: NID,
          organisationId: 'ccss',
          actorId: 'svc-ccss',
          purpose: 'family allowance',
          procedureId: 'proc-1',
          categories: ['persons.address'],
          basis: { case: 'legalBasisId', value: 'ccss-family' },
          legalBasisReference: 'CSS art. 269',
          decidedAt: timestampFromDate(at),
          sealedUntil: timestampFromDate(new Date('2027-01-01T00:00:00Z')),
          accessRecordedBy,
        }),
      ),
    });
    expect(entryFromConsentEvent(permit('registry'), SALT)).toBeNull();
    expect(entryFromConsentEvent(permit(''), SALT)).toMatchObject({
      entryId: entryIdFor('consent', '0190f5a4-0000-7000-8000-000000000003'),
      actorId: 'svc-ccss',
      capacity: 'permitted-organisation',
      legalBasis: 'CSS art. 269',
      legalBasisId: 'ccss-family',
      procedureId: 'proc-1',
      sealedUntil: new Date('2027-01-01T00:00:00Z'),
    });
  });
});

describe('entries of correction recipients (GDPR Art. 19)', () => {
  const EVENT_ID = '0190f5a4-0000-7000-8000-000000000010';
  const communicatedAt = new Date('2026-04-02T09:30:00.000Z');
  const sealedUntil = new Date('2027-04-02T00:00:00.000Z');
  type Recipient = { organisationId: string; procedureId?: string; sealedUntil?: Date };
  const communicated = (
    recipients: Recipient[],
    overrides: { recordId?: string; field?: string; register?: Register } = {},
  ) => ({
    eventId: EVENT_ID,
    eventType: CorrectionCommunicatedSchema.typeName,
    producer: 'registry',
    payload: toBinary(
      CorrectionCommunicatedSchema,
      create(CorrectionCommunicatedSchema, {
        correctionId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
        register: overrides.register ?? Register.PERSONS,
        recordId: overrides.recordId ?? NID,
        field: overrides.field ?? 'family_name',
        communicatedAt: timestampFromDate(communicatedAt),
        recipients: recipients.map((r) => ({
          organisationId: r.organisationId,
          noticeId: `notice-${r.organisationId}`,
          lastReceivedAt: timestampFromDate(at),
          purpose: 'family-allowance-eligibility',
          legalBasis: 'CSS art. 269',
          procedureId: r.procedureId ?? '',
          ...(r.sealedUntil ? { sealedUntil: timestampFromDate(r.sealedUntil) } : {}),
        })),
      }),
    ),
  });
  let salts = 0;
  const newSalt = () => new Uint8Array(32).fill((salts += 1));

  it('gives one entry per recipient: the corrected field, Art. 19, its procedure and seal', () => {
    const entries = entriesFromCorrectionCommunicated(
      communicated([
        { organisationId: 'cae', procedureId: 'family-allowance' },
        { organisationId: 'police', sealedUntil },
      ]),
      newSalt,
    );
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      subjectNationalId: NID,
      organisationId: 'cae',
      actorId: null,
      capacity: 'correction-recipient',
      fields: ['family_name'],
      accessedAt: communicatedAt,
      purpose: 'gdpr-art-19-rectification',
      legalBasis: 'GDPR Art. 19',
      legalBasisId: null,
      consentId: null,
      procedureId: 'family-allowance',
      sealedUntil: null,
      source: {
        service: 'registry',
        eventId: EVENT_ID,
        eventType: CorrectionCommunicatedSchema.typeName,
      },
    });
    expect(entries[1]).toMatchObject({ organisationId: 'police', procedureId: null, sealedUntil });
    // One id per recipient, the same on a redelivery, and each its own salt.
    expect(entries[0]?.entryId).not.toBe(entries[1]?.entryId);
    expect(entries[0]?.entryId).not.toBe(entryIdFor('registry', EVENT_ID));
    const again = entriesFromCorrectionCommunicated(
      communicated([{ organisationId: 'cae' }, { organisationId: 'police' }]),
      newSalt,
    );
    expect(again.map((e) => e.entryId)).toEqual(entries.map((e) => e.entryId));
    expect(entries[0]?.salt).not.toEqual(entries[1]?.salt);
  });

  it('round-trips a recipient entry through AccessRecorded', () => {
    const [entry] = entriesFromCorrectionCommunicated(
      communicated([{ organisationId: 'cae', sealedUntil }]),
      newSalt,
    );
    if (!entry) throw new Error('no entry');
    expect(decodeAccessRecorded(encodeAccessRecorded(entry, at))).toEqual(entry);
    expect(canonicalLeafOf(entry).capacity).toBe('correction-recipient');
  });

  it('gives nothing for no recipient and for other events; refuses a broken event', () => {
    expect(entriesFromCorrectionCommunicated(communicated([]), newSalt)).toEqual([]);
    const registered = {
      ...communicated([{ organisationId: 'cae' }]),
      eventType: PersonRegisteredSchema.typeName,
    };
    expect(entriesFromCorrectionCommunicated(registered, newSalt)).toEqual([]);
    // PersonalDataAccessed's mapping ignores it, and the other way round.
    expect(entryFromRegistryEvent(communicated([{ organisationId: 'cae' }]), SALT)).toBeNull();
    expect(() =>
      entriesFromCorrectionCommunicated(
        communicated([{ organisationId: 'cae' }], { recordId: 'B123456' }),
        newSalt,
      ),
    ).toThrow(/record_id/);
    expect(() =>
      entriesFromCorrectionCommunicated(
        communicated([{ organisationId: 'cae' }], { register: Register.BUSINESSES }),
        newSalt,
      ),
    ).toThrow(/register/);
    expect(() =>
      entriesFromCorrectionCommunicated(
        communicated([{ organisationId: 'cae' }], { field: '' }),
        newSalt,
      ),
    ).toThrow(/field/);
    expect(() =>
      entriesFromCorrectionCommunicated(
        communicated([{ organisationId: 'cae' }, { organisationId: 'cae' }]),
        newSalt,
      ),
    ).toThrow(/twice/);
    expect(() =>
      entriesFromCorrectionCommunicated(communicated([{ organisationId: '' }]), newSalt),
    ).toThrow(/organisation_id/);
    const garbage = { ...communicated([]), payload: Uint8Array.of(0xff, 0xff) };
    expect(() => entriesFromCorrectionCommunicated(garbage, newSalt)).toThrow(
      InvalidSourceEventError,
    );
  });
});

describe('entries of letter reads', () => {
  const EVENT_ID = '0190f5a4-0000-7000-8000-000000000020';
  const readAt = new Date('2026-04-03T08:00:00.000Z');
  const read = (
    overrides: {
      recipientKind?: RecipientKind;
      recipientId?: string;
      readerId?: string;
      procedureId?: string;
      readAt?: Date | null;
    } = {},
  ) => ({
    eventId: EVENT_ID,
    eventType: LetterContentReadSchema.typeName,
    producer: 'letterbox',
    payload: toBinary(
      LetterContentReadSchema,
      create(LetterContentReadSchema, {
        letterId: 'letter-1',
        readerId: overrides.readerId ?? NID,
        sha256: 'ab'.repeat(32),
        ...(overrides.readAt === null
          ? {}
          : { readAt: timestampFromDate(overrides.readAt ?? readAt) }),
        recipientKind: overrides.recipientKind ?? RecipientKind.PERSON,
        recipientId: overrides.recipientId ?? NID,
        senderOrganisationId: 'cae',
        procedureId: overrides.procedureId ?? 'family-allowance',
      }),
    ),
  });

  it("records a read of a person's letter as the person's own access, with its procedure", () => {
    expect(entryFromLetterboxEvent(read(), SALT)).toEqual({
      entryId: entryIdFor('letterbox', EVENT_ID),
      subjectNationalId: NID,
      organisationId: 'self',
      actorId: NID,
      capacity: 'data-subject',
      fields: ['letterbox.document'],
      accessedAt: readAt,
      purpose: 'letter-read',
      legalBasis: null,
      legalBasisId: null,
      consentId: null,
      procedureId: 'family-allowance',
      traceId: null,
      source: {
        service: 'letterbox',
        eventId: EVENT_ID,
        eventType: LetterContentReadSchema.typeName,
      },
      sealedUntil: null,
      salt: SALT,
    });
    expect(entryFromLetterboxEvent(read({ procedureId: '' }), SALT)?.procedureId).toBeNull();
  });

  it('skips business letters, reads written before the recipient was carried, and other events', () => {
    expect(
      entryFromLetterboxEvent(
        read({ recipientKind: RecipientKind.BUSINESS, recipientId: 'B123456' }),
        SALT,
      ),
    ).toBeNull();
    const old = {
      ...read(),
      payload: toBinary(
        LetterContentReadSchema,
        create(LetterContentReadSchema, {
          letterId: 'letter-1',
          readerId: NID,
          sha256: 'ab'.repeat(32),
          readAt: timestampFromDate(readAt),
        }),
      ),
    };
    expect(entryFromLetterboxEvent(old, SALT)).toBeNull();
    const created = { ...read(), eventType: LetterCreatedSchema.typeName };
    expect(entryFromLetterboxEvent(created, SALT)).toBeNull();
  });

  it('refuses a broken LetterContentRead of a person', () => {
    expect(() => entryFromLetterboxEvent(read({ recipientId: '123' }), SALT)).toThrow(
      /recipient_id/,
    );
    expect(() => entryFromLetterboxEvent(read({ readerId: '' }), SALT)).toThrow(/reader_id/);
    expect(() => entryFromLetterboxEvent(read({ readAt: null }), SALT)).toThrow(/read_at/);
    expect(() =>
      entryFromLetterboxEvent({ ...read(), payload: Uint8Array.of(0xff, 0xff) }, SALT),
    ).toThrow(InvalidSourceEventError);
  });
});
