import { fromBinary } from '@bufbuild/protobuf';

import { ChangeKind, RecordChangeSchema, Register } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { categoryOfField } from '@gov/platform-legal-bases';
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
 * id, the view's version and the record version, which identify a message on a feed, and the
 * person it discloses when that is not the record's own subject (a business's manager, a
 * vehicle's owner). A message re-published (at least once delivery) or published again by a
 * promoted embassy's registry maps to the same entry; a re-cut (a new view version) is a new
 * delivery.
 */
export function feedDeliveryEntryId(
  organisationId: string,
  recordId: string,
  viewVersion: number,
  recordVersion: bigint,
  subjectNationalId: string = recordId,
): string {
  const message = `feed/${organisationId}/${recordId}/${String(viewVersion)}/${recordVersion.toString()}`;
  return entryIdFor(
    'registry',
    subjectNationalId === recordId ? message : `${message}/${subjectNationalId}`,
  );
}

const NATIONAL_ID = /^\d{13}$/;

/**
 * What a delivered record of each register discloses of persons: the `record` case its register
 * carries, the catalogue source of its fields (a field that is sent only with another one, as
 * changes.proto's "AGENCY FEEDS" says, discloses the category of the field it qualifies:
 * `categoryOfField`), and the persons the record as cut names (national ids, not yet checked).
 */
interface RegisterDisclosure {
  readonly case: NonNullable<RecordChange['record']['case']>;
  readonly source: string;
  readonly persons: (change: RecordChange) => readonly string[];
}

const DISCLOSURES: ReadonlyMap<Register, RegisterDisclosure> = new Map<
  Register,
  RegisterDisclosure
>([
  [
    Register.PERSONS,
    {
      case: 'person',
      source: 'persons',
      persons: (change) => [change.recordId],
    },
  ],
  [
    Register.BUSINESSES,
    {
      case: 'business',
      source: 'businesses',
      // Its managers, when the view sends them.
      persons: (change) =>
        change.record.case === 'business'
          ? change.record.value.managers.map((manager) => manager.nationalId)
          : [],
    },
  ],
  [
    Register.VEHICLES,
    {
      case: 'vehicle',
      source: 'vehicles',
      // Its owner, when the view sends it and the owner is a person.
      persons: (change) => {
        const owner = change.record.case === 'vehicle' ? change.record.value.owner : undefined;
        return owner?.kind.case === 'nationalId' ? [owner.kind.value] : [];
      },
    },
  ],
]);

/** What {@link entryFromFeedRecord} needs of the legal-basis catalogue. */
export type FeedCatalogue = Pick<LegalBasisCatalogue, 'legalBasis'>;

/**
 * The entries of a record delivered on `organisationId`'s feed: one disclosure to the
 * organisation (capacity `feed-recipient`) for each person the record as delivered names (a
 * person's record names its subject; a business's its managers, when the view sends them; a
 * vehicle's its owner, when the view sends it and the owner is a person), of the categories the
 * message carried (every category of the record's register in the view for a registration or
 * a re-cut, the changed fields otherwise), at the time the registry published it, on the view's
 * legal basis (its provision from the catalogue; sealed as a covert basis seals reads). None for
 * a tombstone (the erasure is recorded by the registry's own events) and for a record that names
 * no person.
 *
 * @param salts - 32 random bytes for each entry's leaf, asked for each entry.
 * @throws {@link UndecodableFeedRecordError} for bytes that are not a RecordChange.
 * @throws {@link InvalidSourceEventError} for a record that breaks the feed's contract: no view
 *   or a view of another organisation, a register it does not know or that disagrees with the
 *   record, a person's record id or a named person's id that is not 13 digits, a key that is not
 *   the record id, no `event-id` header, fields outside the view, a legal basis the catalogue
 *   does not give the organisation.
 */
export function entriesFromFeedRecord(
  record: FeedRecord,
  organisationId: string,
  catalogue: FeedCatalogue,
  salts: () => Uint8Array,
): AccessEntry[] {
  if (record.value.length === 0) return [];
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
  const disclosure = DISCLOSURES.get(change.register);
  if (disclosure === undefined) return fail(`register ${String(change.register)} is unknown`);
  if (disclosure.case !== change.record.case) {
    return fail(`register ${String(change.register)} does not match the record's case`);
  }
  if (change.recordId === '') return fail('record_id is empty');
  if (change.register === Register.PERSONS && !NATIONAL_ID.test(change.recordId)) {
    return fail('record_id is not 13 digits');
  }
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
  const persons = [...new Set(disclosure.persons(change))];
  const malformed = persons.filter((person) => !NATIONAL_ID.test(person));
  if (malformed.length > 0) {
    return fail(`names a person whose national id is not 13 digits: "${malformed.join('", "')}"`);
  }
  if (persons.length === 0) return [];
  const fields = deliveredCategories(change, view.categories, disclosure, fail);
  const accessedAt = record.timestamp;
  return persons.map((subjectNationalId) => ({
    entryId: feedDeliveryEntryId(
      organisationId,
      change.recordId,
      view.version,
      change.recordVersion,
      subjectNationalId,
    ),
    subjectNationalId,
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
    salt: salts(),
  }));
}

/**
 * The categories of the record's register a message carried: for a registration or a re-cut the
 * whole record as the view cuts it, otherwise the changed fields (a qualifying field as the
 * category it goes with), in their order, each once. Every one must be in the view: the feed
 * sends nothing else.
 */
function deliveredCategories(
  change: RecordChange,
  viewCategories: readonly string[],
  { source }: RegisterDisclosure,
  fail: (what: string) => never,
): string[] {
  const inView = new Set(viewCategories);
  if (change.kind === ChangeKind.REGISTERED || change.kind === ChangeKind.RECUT) {
    const ofRegister = viewCategories.filter((category) => category.startsWith(`${source}.`));
    return ofRegister.length > 0 ? ofRegister : fail(`the view names no category of ${source}`);
  }
  if (change.changedFields.length === 0) return fail('changed_fields is empty');
  const categories = change.changedFields.map((field) => categoryOfField(source, field));
  const outside = categories.filter((category) => !inView.has(category));
  if (outside.length > 0) {
    return fail(`changed_fields name categories outside the view: ${outside.join(', ')}`);
  }
  return [...new Set(categories)];
}
