import { create, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import { ChangeKind, RecordChangeSchema, Register } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { parseLegalBasisCatalogue } from '@gov/platform-legal-bases';

import { canonicalLeafOf } from './access-entry';
import { decodeAccessRecorded, encodeAccessRecorded } from './access-recorded.codec';
import { InvalidSourceEventError } from './access-sources';
import {
  FEED_DELIVERY_PURPOSE,
  RECORD_CHANGE,
  UndecodableFeedRecordError,
  entriesFromFeedRecord,
  feedDeliveryEntryId,
  feedTopicOf,
} from './feed-deliveries';
import type { FeedRecord } from './feed-deliveries';

const SALT = new Uint8Array(32).fill(9);
const NID = '1983081246785';
const EVENT_ID = '0190f5a4-0000-7000-8000-0000000000aa';
const PUBLISHED = new Date('2026-12-07T01:02:03.456Z');
const CCSS_VIEW = {
  organisationId: 'ccss',
  legalBasisId: 'ccss-affiliation',
  version: 1,
  categories: ['persons.address', 'persons.date_of_death', 'persons.national_id'],
};

const catalogue = parseLegalBasisCatalogue({
  organisations: ['ccss', 'cae', 'police'].map((id) => ({
    id,
    name: id,
    contact: `dpo@${id}.lu`,
    policyUrl: `https://${id}.lu/privacy`,
  })),
  legalBases: [
    {
      id: 'ccss-affiliation',
      organisationId: 'ccss',
      provision: 'CSS art. 413',
      categories: ['persons.national_id', 'persons.address', 'persons.date_of_death'],
      purposes: ['social-security-affiliation'],
    },
    {
      id: 'cae-family-benefits',
      organisationId: 'cae',
      provision: 'CSS art. 269',
      categories: ['persons.national_id', 'persons.civil_status'],
      purposes: ['family-allowance-payment'],
    },
    {
      id: 'police-watch',
      organisationId: 'police',
      provision: 'Loi sur la police, art. 43',
      categories: ['persons.national_id', 'persons.address'],
      purposes: ['criminal-investigation'],
      covert: { sealDays: 2 },
    },
    {
      id: 'police-vehicles',
      organisationId: 'police',
      provision: 'Code de la route, art. 1bis',
      categories: [
        'vehicles.registration_number',
        'vehicles.owner',
        'vehicles.status',
        'businesses.business_number',
        'businesses.name',
        'businesses.managers',
        'businesses.strike_off',
      ],
      purposes: ['vehicle-identification'],
    },
  ],
  sources: { vehicles: ['registration_number', 'status', 'owner', 'make'] },
  feeds: [
    { organisationId: 'ccss', legalBasisId: 'ccss-affiliation' },
    { organisationId: 'police', legalBasisId: 'police-watch' },
  ],
});

function feedRecord(
  init: Exclude<MessageInitShape<typeof RecordChangeSchema>, RecordChange>,
  overrides: Partial<FeedRecord> = {},
): FeedRecord {
  const change = create(RecordChangeSchema, {
    recordId: NID,
    register: Register.PERSONS,
    recordVersion: 4n,
    kind: ChangeKind.ADDRESS_CHANGED,
    changedFields: ['address'],
    occurredAt: timestampFromDate(new Date('2026-12-07T01:00:00Z')),
    view: CCSS_VIEW,
    record: { case: 'person', value: { nationalId: NID } },
    ...init,
  });
  return {
    key: change.recordId,
    value: toBinary(RecordChangeSchema, change),
    headers: { 'event-id': EVENT_ID, 'content-type': 'application/x-protobuf' },
    timestamp: PUBLISHED,
    ...overrides,
  };
}

const POLICE_VIEW = {
  organisationId: 'police',
  legalBasisId: 'police-vehicles',
  version: 1,
  categories: ['vehicles.owner', 'vehicles.registration_number', 'vehicles.status'],
};

/** A vehicle record on the police's feed, its owner changed. */
function vehicleRecord(
  owner: { nationalId: string } | { businessNumber: string },
  init: Exclude<MessageInitShape<typeof RecordChangeSchema>, RecordChange> = {},
): FeedRecord {
  return feedRecord({
    recordId: 'AB1234',
    register: Register.VEHICLES,
    recordVersion: 2n,
    kind: ChangeKind.OWNERSHIP_TRANSFERRED,
    changedFields: ['owner'],
    view: POLICE_VIEW,
    record: {
      case: 'vehicle',
      value: {
        registrationNumber: 'AB1234',
        owner: {
          kind:
            'nationalId' in owner
              ? { case: 'nationalId', value: owner.nationalId }
              : { case: 'businessNumber', value: owner.businessNumber },
        },
      },
    },
    ...init,
  });
}

const entriesOf = (record: FeedRecord, organisationId = 'ccss') =>
  entriesFromFeedRecord(record, organisationId, catalogue, () => SALT);

/** The one entry of a record that names one person (or none). */
function entryOf(record: FeedRecord, organisationId = 'ccss') {
  const entries = entriesOf(record, organisationId);
  if (entries.length > 1) throw new Error(`${String(entries.length)} entries`);
  return entries[0] ?? null;
}

describe('a record delivered on an agency feed', () => {
  it('is an access entry of the organisation, at the time the registry published it', () => {
    expect(entryOf(feedRecord({}))).toEqual({
      entryId: feedDeliveryEntryId('ccss', NID, 1, 4n),
      subjectNationalId: NID,
      organisationId: 'ccss',
      actorId: null,
      capacity: 'feed-recipient',
      fields: ['persons.address'],
      accessedAt: PUBLISHED,
      purpose: FEED_DELIVERY_PURPOSE,
      legalBasis: 'CSS art. 413',
      legalBasisId: 'ccss-affiliation',
      consentId: null,
      procedureId: null,
      traceId: null,
      source: { service: 'registry', eventId: EVENT_ID, eventType: RECORD_CHANGE },
      sealedUntil: null,
      salt: SALT,
    });
  });

  it.each([
    ['a registration', ChangeKind.REGISTERED],
    ['a re-cut', ChangeKind.RECUT],
  ])('lists every person category of the view for %s', (_, kind) => {
    const record = feedRecord({
      kind,
      changedFields: ['national_id', 'address', 'status', 'date_of_death'],
      view: { ...CCSS_VIEW, categories: [...CCSS_VIEW.categories, 'businesses.name'] },
    });
    expect(entryOf(record)?.fields).toEqual(CCSS_VIEW.categories);
  });

  it('names a qualifying field as the category it goes with, once', () => {
    const death = feedRecord({
      kind: ChangeKind.DEATH_RECORDED,
      changedFields: ['status', 'date_of_death'],
    });
    expect(entryOf(death)?.fields).toEqual(['persons.date_of_death']);
    const civil = feedRecord({
      kind: ChangeKind.CIVIL_STATUS_CHANGED,
      changedFields: ['civil_status', 'civil_status_since'],
      view: {
        organisationId: 'cae',
        legalBasisId: 'cae-family-benefits',
        version: 1,
        categories: ['persons.civil_status', 'persons.national_id'],
      },
    });
    expect(entryOf(civil, 'cae')?.fields).toEqual(['persons.civil_status']);
  });

  it('treats a change kind it does not know as an update of the changed fields', () => {
    // A value of a later version of the contract: no member of this version's enum.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
    expect(entryOf(feedRecord({ kind: 99 as ChangeKind }))?.fields).toEqual(['persons.address']);
  });

  it('has one id per organisation, record, view version and record version', () => {
    const id = entryOf(feedRecord({}))?.entryId;
    // A re-published message (another event-id header, another time) is the same delivery.
    const again = feedRecord(
      {},
      { headers: { 'event-id': 'another' }, timestamp: new Date(PUBLISHED.getTime() + 1) },
    );
    expect(entryOf(again)?.entryId).toBe(id);
    expect(entryOf(feedRecord({ recordVersion: 5n }))?.entryId).not.toBe(id);
    expect(entryOf(feedRecord({ view: { ...CCSS_VIEW, version: 2 } }))?.entryId).not.toBe(id);
    expect(feedDeliveryEntryId('cae', NID, 1, 4n)).not.toBe(id);
    expect(feedDeliveryEntryId('ccss', '1983081246786', 1, 4n)).not.toBe(id);
  });

  it('is sealed as long as a covert basis seals reads', () => {
    const record = feedRecord({
      view: { ...CCSS_VIEW, organisationId: 'police', legalBasisId: 'police-watch' },
    });
    expect(entryOf(record, 'police')?.sealedUntil).toEqual(
      new Date(PUBLISHED.getTime() + 2 * 86_400_000),
    );
  });

  it('is no entry when it is a tombstone, or a record that names no person', () => {
    expect(entriesOf(feedRecord({}, { value: new Uint8Array(0) }))).toEqual([]);
    const business = feedRecord({
      recordId: 'B123456',
      register: Register.BUSINESSES,
      changedFields: ['name'],
      view: { ...POLICE_VIEW, categories: ['businesses.business_number', 'businesses.name'] },
      record: { case: 'business', value: { businessNumber: 'B123456', name: 'Schmit SARL' } },
    });
    expect(entriesOf(business, 'police')).toEqual([]);
    const ownedByBusiness = vehicleRecord({ businessNumber: 'B123456' });
    expect(entriesOf(ownedByBusiness, 'police')).toEqual([]);
  });

  it('is an entry of the owner when a vehicle record names a person as owner', () => {
    const entries = entriesOf(vehicleRecord({ nationalId: NID }), 'police');
    expect(entries).toEqual([
      expect.objectContaining({
        entryId: feedDeliveryEntryId('police', 'AB1234', 1, 2n, NID),
        subjectNationalId: NID,
        organisationId: 'police',
        capacity: 'feed-recipient',
        fields: ['vehicles.owner'],
        legalBasisId: 'police-vehicles',
        source: { service: 'registry', eventId: EVENT_ID, eventType: RECORD_CHANGE },
      }),
    ]);
    const registered = entriesOf(
      vehicleRecord({ nationalId: NID }, { kind: ChangeKind.REGISTERED }),
      'police',
    );
    expect(registered.map((entry) => entry.fields)).toEqual([POLICE_VIEW.categories]);
  });

  it('is an entry of each manager a business record names, with an id each', () => {
    const other = '1990010112345';
    const business = feedRecord({
      recordId: 'B123456',
      register: Register.BUSINESSES,
      kind: ChangeKind.STRUCK_OFF,
      changedFields: ['status', 'strike_off'],
      view: {
        ...POLICE_VIEW,
        categories: ['businesses.business_number', 'businesses.managers', 'businesses.strike_off'],
      },
      record: {
        case: 'business',
        value: {
          businessNumber: 'B123456',
          managers: [{ nationalId: NID }, { nationalId: other }, { nationalId: NID }],
        },
      },
    });
    const entries = entriesOf(business, 'police');
    expect(entries.map((entry) => [entry.subjectNationalId, entry.fields])).toEqual([
      [NID, ['businesses.strike_off']],
      [other, ['businesses.strike_off']],
    ]);
    expect(new Set(entries.map((entry) => entry.entryId)).size).toBe(2);
    expect(entries[0]?.entryId).toBe(feedDeliveryEntryId('police', 'B123456', 1, 4n, NID));
  });

  it('keeps its capacity through the stored event and the canonical leaf', () => {
    const entry = entryOf(feedRecord({}));
    if (!entry) throw new Error('no entry');
    const stored = encodeAccessRecorded(entry, new Date());
    expect(decodeAccessRecorded({ eventType: stored.eventType, payload: stored.payload })).toEqual(
      entry,
    );
    expect(canonicalLeafOf(entry).capacity).toBe('feed-recipient');
  });

  it('refuses bytes that are not a RecordChange as undecodable', () => {
    const garbage = feedRecord({}, { value: Uint8Array.from([0xff, 0xff, 0xff, 0xff]) });
    expect(() => entryOf(garbage)).toThrow(UndecodableFeedRecordError);
  });

  it.each<[string, FeedRecord, RegExp, string?]>([
    ['without a view', feedRecord({ view: undefined }), /view is missing/],
    [
      "with another organisation's view",
      feedRecord({ view: { ...CCSS_VIEW, organisationId: 'cae' } }),
      /view.organisation_id is "cae"/,
    ],
    [
      'with a record id that is not 13 digits',
      feedRecord({ recordId: '19830812467' }),
      /record_id is not 13 digits/,
    ],
    [
      'with a key other than its record id',
      feedRecord({}, { key: '1983081246786' }),
      /key is not its record_id/,
    ],
    [
      'with a register and a record that disagree',
      feedRecord({ register: Register.BUSINESSES }),
      /does not match/,
    ],
    [
      'of a register it does not know',
      // A value of a later version of the contract: no member of this version's enum.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
      feedRecord({ register: 99 as Register }),
      /register 99 is unknown/,
    ],
    [
      'naming an owner whose national id is not 13 digits',
      vehicleRecord({ nationalId: '12345' }),
      /national id is not 13 digits: "12345"/,
      'police',
    ],
    ['without a record version', feedRecord({ recordVersion: 0n }), /record_version is 0/],
    [
      'without a view version',
      feedRecord({ view: { ...CCSS_VIEW, version: 0 } }),
      /view.version is 0/,
    ],
    ['without a kind', feedRecord({ kind: ChangeKind.UNSPECIFIED }), /UNSPECIFIED/],
    ['without an event-id header', feedRecord({}, { headers: {} }), /event-id header/],
    [
      'on a basis the catalogue does not know',
      feedRecord({ view: { ...CCSS_VIEW, legalBasisId: 'ccss-unknown' } }),
      /not in the catalogue/,
    ],
    [
      "on another organisation's basis",
      feedRecord({ view: { ...CCSS_VIEW, legalBasisId: 'police-watch' } }),
      /is police's/,
    ],
    [
      'naming a changed field outside the view',
      feedRecord({ changedFields: ['address', 'family_name'] }),
      /outside the view: persons.family_name/,
    ],
    ['naming no changed field', feedRecord({ changedFields: [] }), /changed_fields is empty/],
    [
      'registered under a view that names no person category',
      feedRecord({
        kind: ChangeKind.REGISTERED,
        view: { ...CCSS_VIEW, categories: ['businesses.name'] },
      }),
      /names no category of persons/,
    ],
  ])('refuses a record %s', (_, record, reason, organisationId = 'ccss') => {
    expect(() => entriesOf(record, organisationId)).toThrow(InvalidSourceEventError);
    expect(() => entriesOf(record, organisationId)).toThrow(reason);
  });
});

describe('the topic of a feed', () => {
  it("is the organisation's, as changes.proto names it, or as a template says", () => {
    expect(feedTopicOf('ccss')).toBe('registry.changes.ccss.v1');
    expect(feedTopicOf('cae', 'test-1.{organisation}.v1')).toBe('test-1.cae.v1');
    expect(() => feedTopicOf('cae', 'registry.changes.v1')).toThrow(/\{organisation\}/);
  });
});
