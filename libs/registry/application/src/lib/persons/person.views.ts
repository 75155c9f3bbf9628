import { assertNever } from '@gov/registry-domain';
import type {
  Address,
  CivilStatus,
  LocalDate,
  PersonEvent,
  PersonState,
  PlaceOfBirth,
  SexMarker,
} from '@gov/registry-domain';

import type { Change } from '../history';

/** A person's record as the registry answers it. */
export interface PersonView {
  readonly nationalId: string;
  readonly status: 'registered' | 'deceased';
  /** The record's version: its `ETag`, and the `If-Match` of the next change. */
  readonly version: number;
  readonly givenNames: string;
  readonly familyName: string;
  readonly birthDate: LocalDate;
  readonly placeOfBirth: PlaceOfBirth | null;
  readonly sex: SexMarker;
  readonly nationalities: readonly string[];
  readonly address: Address;
  readonly civilStatus: CivilStatus;
  readonly civilStatusSince: LocalDate | null;
  readonly dateOfDeath: LocalDate | null;
}

/** A field of {@link PersonView} that holds personal data. */
type PersonField = Exclude<keyof PersonView, 'status' | 'version'>;

/**
 * The gov.registry.v1 name of each field (PersonRegistered.PersonalData, plus `national_id` and
 * PersonDeathRecorded's `date_of_death`), as `PersonalDataAccessed.fields_read` lists them.
 */
const PROTO_NAMES: Readonly<Record<PersonField, string>> = {
  nationalId: 'national_id',
  givenNames: 'given_names',
  familyName: 'family_name',
  birthDate: 'birth_date',
  placeOfBirth: 'place_of_birth',
  sex: 'sex',
  nationalities: 'nationalities',
  address: 'address',
  civilStatus: 'civil_status',
  civilStatusSince: 'civil_status',
  dateOfDeath: 'date_of_death',
};

/** The record of a registered (or deceased) person. */
export function personView(
  state: Exclude<PersonState, { status: 'unregistered' } | { status: 'erased' }>,
  version: number,
): PersonView {
  const { record } = state;
  return {
    nationalId: record.nationalId,
    status: state.status,
    version,
    givenNames: record.givenNames,
    familyName: record.familyName,
    birthDate: record.birthDate,
    placeOfBirth: record.placeOfBirth,
    sex: record.sex,
    nationalities: record.nationalities,
    address: record.address,
    civilStatus: record.civilStatus,
    civilStatusSince: record.civilStatusSince,
    dateOfDeath: state.status === 'deceased' ? state.dateOfDeath : null,
  };
}

/**
 * The record as an agency may receive it: only the fields whose gov.registry.v1 names are in
 * `allowed` (data minimisation); the national identification number (what the agency asked
 * by), status and version always.
 */
export function minimisedPersonView(
  view: PersonView,
  allowed: ReadonlySet<string>,
): Partial<PersonView> & Pick<PersonView, 'nationalId' | 'status' | 'version'> {
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(view)) {
    const name = PROTO_NAMES[field as PersonField] as string | undefined;
    if (name === undefined || name === 'national_id' || allowed.has(name)) kept[field] = value;
  }
  return kept as Partial<PersonView> & Pick<PersonView, 'nationalId' | 'status' | 'version'>;
}

/** A history entry with only the changes of fields in `allowed` (gov.registry.v1 names). */
export function minimisedChange<Entry extends { changes: Readonly<Record<string, unknown>> }>(
  entry: Entry,
  allowed: ReadonlySet<string>,
): Entry & { changedFields: readonly string[] } {
  const changes = Object.fromEntries(
    Object.entries(entry.changes).filter(([field]) => {
      const name = PROTO_NAMES[field as PersonField] as string | undefined;
      return name !== undefined && allowed.has(name);
    }),
  );
  return { ...entry, changes, changedFields: Object.keys(changes) };
}

/** The gov.registry.v1 names of the fields a person read returned (those with a value). */
export function personFieldsRead(fields: Iterable<string>): string[] {
  const names = new Set<string>(['national_id']);
  for (const field of fields) {
    const name = PROTO_NAMES[field as PersonField] as string | undefined;
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/** The fields of a view that hold a value (a living person has no date of death). */
export function populatedFields(view: Partial<PersonView>): string[] {
  return (
    Object.entries(view)
      // A minimised view has no key at all for a field the reader may not have.
      .filter(([field, value]) => field !== 'status' && field !== 'version' && value !== null)
      .map(([field]) => field)
  );
}

/** What a person event changed in the record, by the record's field names. */
export function personChange(event: PersonEvent): Change {
  switch (event.type) {
    case 'PersonRegistered': {
      const { data } = event;
      return {
        changes: {
          givenNames: data.givenNames,
          familyName: data.familyName,
          birthDate: data.birthDate,
          placeOfBirth: data.placeOfBirth,
          sex: data.sex,
          nationalities: data.nationalities,
          address: data.address,
          civilStatus: data.civilStatus,
        },
      };
    }
    case 'PersonNameChanged':
      return {
        changes: { givenNames: event.data.givenNames, familyName: event.data.familyName },
      };
    case 'PersonAddressChanged':
      return { changes: { address: event.data.address } };
    case 'PersonCivilStatusChanged':
      return {
        changes: {
          civilStatus: event.data.civilStatus,
          civilStatusSince: event.data.effectiveDate,
        },
      };
    case 'PersonDeathRecorded':
      return { changes: { dateOfDeath: event.data.dateOfDeath } };
    case 'PersonRecordCorrected':
      return {
        changes: { [event.data.correction.field]: event.data.correction.value },
        correctionId: event.data.correctionId,
      };
    case 'PersonErased':
      // Never shown: an erased record's history is not answered (410).
      return { changes: {} };
    default:
      return assertNever(event, 'person event');
  }
}
