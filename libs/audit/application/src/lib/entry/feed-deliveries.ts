import { fromBinary } from '@bufbuild/protobuf';

import { ChangeKind, RecordChangeSchema, Register } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import type { LegalBasisCatalogue } from '@gov/platform-legal-bases';

import { entryIdFor } from './access-entry';
import type { AccessEntry } from './access-entry';
import { InvalidSourceEventError } from './access-sources';

/** The message type an agency feed carries (the leaf's `sourceEventType` of a delivery). */
export const RECORD_CHANGE = RecordChangeSchema.typeName;

/** The purpose of a feed delivery's entry. */
export const FEED_DELIVERY_PURPOSE = 'change-feed';

/** The header naming the registry event a feed record comes from. */
export const FEED_EVENT_ID_HEADER = 'event-id';

/** A feed record whose bytes are not a RecordChange at all (its dead letter says `undecodable`). */
export class UndecodableFeedRecordError extends InvalidSourceEventError {
  override readonly name = 'UndecodableFeedRecordError';
}

/** The topic of an organisation's feed, as changes.proto names it. */
export const DEFAULT_FEED_TOPIC_TEMPLATE = 'registry.changes.{organisation}.v1';

const ORGANISATION_PLACEHOLDER = '{organisation}';

/**
 * The topic of `organisationId`'s feed: `template` with `{organisation}` replaced
 * (`registry.changes.ccss.v1` by default).
 *
 * @throws `Error` when the template does not name the organisation (every feed would share one
 *   topic, and the organisation a message was delivered to could not be told).
 */
export function feedTopicOf(
  organisationId: string,
  template: string = DEFAULT_FEED_TOPIC_TEMPLATE,
): string {
  if (!template.includes(ORGANISATION_PLACEHOLDER)) {
    throw new Error(`a feed topic template must contain ${ORGANISATION_PLACEHOLDER}: ${template}`);
  }
  return template.split(ORGANISATION_PLACEHOLDER).join(organisationId);
}

/**
 * A record of an organisation's feed as it was received: the messaging library's inbound
 * message has this shape (a tombstone is an empty value).
 */
export interface FeedRecord {
  /** The Kafka key: the record id. */
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** When the registry published it (the record's timestamp). */
  readonly timestamp: Date;
}

/**
 * The entry id of a delivery: a UUID (see {@link entryIdFor}) from the organisation, the record
 * id, the view's version and the record version, which identify a message on a feed. A message
 * re-published (at least once delivery) or published again by a promoted embassy's registry maps
 * to the same entry; a re-cut (a new view version) is a new delivery.
 */
export function feedDeliveryEntryId(
  organisationId: string,
  recordId: string,
  viewVersion: number,
  recordVersion: bigint,
): string {
  return entryIdFor(
    'registry',
    `feed/${organisationId}/${recordId}/${String(viewVersion)}/${recordVersion.toString()}`,
  );
}

/**
 * Record fields that are sent only with another one (changes.proto, "AGENCY FEEDS"): a change
 * naming them discloses the category of the field they qualify.
 */
const QUALIFIED_BY: Readonly<Record<string, string>> = {
  status: 'date_of_death',
  civil_status_since: 'civil_status',
};

const PERSON_SOURCE = 'persons';
const NATIONAL_ID = /^\d{13}$/;

/** What {@link entryFromFeedRecord} needs of the legal-basis catalogue. */
export type FeedCatalogue = Pick<LegalBasisCatalogue, 'legalBasis'>;

/**
 * The entry of a record delivered on `organisationId`'s feed: a disclosure of a person's record to
 * the organisation (capacity `feed-recipient`), of the categories the message carried (every
 * person category of the view for a registration or a re-cut, the changed fields otherwise), at
 * the time the registry published it, on the view's legal basis (its provision from the
 * catalogue; sealed as a covert basis seals reads). `null` for what is no person's disclosure: a
 * tombstone (the erasure is recorded by the registry's own events) and another register's record.
 *
 * @param salt - 32 random bytes for the leaf.
 * @throws {@link UndecodableFeedRecordError} for bytes that are not a RecordChange.
 * @throws {@link InvalidSourceEventError} for a record that breaks the feed's contract: no view or a view of another organisation, a record id that is
 *   not 13 digits or not the key, no `event-id` header, fields outside the view, a legal basis
 *   the catalogue does not give the organisation.
 */
export function entryFromFeedRecord(
  record: FeedRecord,
  organisationId: string,
  catalogue: FeedCatalogue,
  salt: Uint8Array,
): AccessEntry | null {
  if (record.value.length === 0) return null;
  let change: RecordChange;
  try {
    change = fromBinary(RecordChangeSchema, record.value);
  } catch (error) {
    throw new UndecodableFeedRecordError(`the value is not a ${RECORD_CHANGE}`, { cause: error });
  }
  const fail = (what: string): never => {
    throw new InvalidSourceEventError(`${RECORD_CHANGE} on ${organisationId}'s feed: ${what}`);
  };
  const view = change.view;
  if (!view) return fail('view is missing');
  if (view.organisationId !== organisationId) {
    return fail(`view.organisation_id is "${view.organisationId}", not the feed's organisation`);
  }
  const isPerson = change.register === Register.PERSONS;
  if (isPerson !== (change.record.case === 'person')) {
    return fail(`register ${String(change.register)} does not match the record's case`);
  }
  // A business is no person; another register's record is about its own subject.
  if (!isPerson) return null;
  if (!NATIONAL_ID.test(change.recordId)) return fail('record_id is not 13 digits');
  if (record.key !== change.recordId) return fail('the record key is not its record_id');
  if (change.recordVersion < 1n) return fail('record_version is 0');
  if (view.version < 1) return fail('view.version is 0');
  if (change.kind === ChangeKind.UNSPECIFIED) return fail('kind is CHANGE_KIND_UNSPECIFIED');
  const eventId = record.headers[FEED_EVENT_ID_HEADER] ?? '';
  if (eventId === '') return fail(`the ${FEED_EVENT_ID_HEADER} header is missing`);
  const basis = catalogue.legalBasis(view.legalBasisId);
  if (basis?.organisationId !== organisationId) {
    return fail(
      basis === undefined
        ? `legal basis "${view.legalBasisId}" is not in the catalogue`
        : `legal basis "${view.legalBasisId}" is ${basis.organisationId}'s`,
    );
  }
  const fields = deliveredCategories(change, view.categories, fail);
  const accessedAt = record.timestamp;
  return {
    entryId: feedDeliveryEntryId(
      organisationId,
      change.recordId,
      view.version,
      change.recordVersion,
    ),
    subjectNationalId: change.recordId,
    organisationId,
    // The registry sent it; nobody at the organisation asked.
    actorId: null,
    capacity: 'feed-recipient',
    fields,
    accessedAt,
    purpose: FEED_DELIVERY_PURPOSE,
    legalBasis: basis.provision,
    legalBasisId: basis.id,
    consentId: null,
    procedureId: null,
    traceId: null,
    source: { service: 'registry', eventId, eventType: RECORD_CHANGE },
    sealedUntil: basis.covert
      ? new Date(accessedAt.getTime() + basis.covert.sealDays * 86_400_000)
      : null,
    salt,
  };
}

/**
 * The person categories a message carried: for a registration or a re-cut the whole record as
 * the view cuts it, otherwise the changed fields (a qualifying field as the category it goes
 * with), in their order, each once. Every one must be in the view: the feed sends nothing else.
 */
function deliveredCategories(
  change: RecordChange,
  viewCategories: readonly string[],
  fail: (what: string) => never,
): string[] {
  const inView = new Set(viewCategories);
  if (change.kind === ChangeKind.REGISTERED || change.kind === ChangeKind.RECUT) {
    const persons = viewCategories.filter((category) => category.startsWith(`${PERSON_SOURCE}.`));
    return persons.length > 0 ? persons : fail('the view names no category of persons');
  }
  if (change.changedFields.length === 0) return fail('changed_fields is empty');
  const categories = change.changedFields.map(
    (field) => `${PERSON_SOURCE}.${QUALIFIED_BY[field] ?? field}`,
  );
  const outside = categories.filter((category) => !inView.has(category));
  if (outside.length > 0) {
    return fail(`changed_fields name categories outside the view: ${outside.join(', ')}`);
  }
  return [...new Set(categories)];
}
