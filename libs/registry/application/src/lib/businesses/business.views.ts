import { assertNever } from '@gov/registry-domain';
import type {
  Address,
  BusinessEvent,
  BusinessState,
  LegalForm,
  Manager,
  StrikeOff,
} from '@gov/registry-domain';

import type { Change } from '../history';

/** A business's record as the registry answers it. */
export interface BusinessView {
  readonly businessNumber: string;
  readonly status: 'active' | 'struck-off';
  /** The record's version: its `ETag`, and the `If-Match` of the next change. */
  readonly version: number;
  readonly name: string;
  readonly legalForm: LegalForm;
  readonly registeredAddress: Address;
  readonly managers: readonly Manager[];
  readonly strikeOff: StrikeOff | null;
}

/** The record of a registered business. */
export function businessView(
  state: Exclude<BusinessState, { status: 'unregistered' }>,
  version: number,
): BusinessView {
  const { record } = state;
  return {
    businessNumber: record.businessNumber,
    status: state.status,
    version,
    name: record.name,
    legalForm: record.legalForm,
    registeredAddress: record.registeredAddress,
    managers: record.managers,
    strikeOff: state.status === 'struck-off' ? state.strikeOff : null,
  };
}

/** The gov.registry.v1 name of each field of {@link BusinessView} that holds data. */
const BUSINESS_PROTO_NAMES: Readonly<
  Record<Exclude<keyof BusinessView, 'status' | 'version'>, string>
> = {
  businessNumber: 'business_number',
  name: 'name',
  legalForm: 'legal_form',
  registeredAddress: 'registered_address',
  managers: 'managers',
  strikeOff: 'strike_off',
};

function protoName(field: string): string | undefined {
  return (BUSINESS_PROTO_NAMES as Readonly<Record<string, string>>)[field];
}

/** A business's record as a reader receives it: an agency only the fields it may have. */
export type BusinessRead = Partial<BusinessView> &
  Pick<BusinessView, 'businessNumber' | 'status' | 'version'>;

/**
 * The record as an agency may receive it: only the fields whose gov.registry.v1 names are in
 * `allowed`; the business number (what the agency asked by), status and version always.
 */
export function minimisedBusinessView(
  view: BusinessView,
  allowed: ReadonlySet<string>,
): BusinessRead {
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(view)) {
    const name = protoName(field);
    if (name === undefined || name === 'business_number' || allowed.has(name)) kept[field] = value;
  }
  return kept as BusinessRead;
}

/** A history entry of a business with only the changes of fields in `allowed`. */
export function minimisedBusinessChange<
  Entry extends { changes: Readonly<Record<string, unknown>> },
>(entry: Entry, allowed: ReadonlySet<string>): Entry & { changedFields: readonly string[] } {
  const changes = Object.fromEntries(
    Object.entries(entry.changes).filter(([field]) => allowed.has(protoName(field) ?? '')),
  );
  return { ...entry, changes, changedFields: Object.keys(changes) };
}

/** What a business event changed in the record, by the record's field names. */
export function businessChange(event: BusinessEvent): Change {
  switch (event.type) {
    case 'BusinessRegistered':
      return {
        changes: {
          name: event.data.name,
          legalForm: event.data.legalForm,
          registeredAddress: event.data.registeredAddress,
          managers: event.data.managers,
        },
      };
    case 'BusinessAddressChanged':
      return { changes: { registeredAddress: event.data.registeredAddress } };
    case 'BusinessManagersChanged':
      return { changes: { managers: event.data.managers } };
    case 'BusinessStruckOff':
      return {
        changes: {
          strikeOff: { effectiveDate: event.data.effectiveDate, ground: event.data.ground },
        },
      };
    case 'BusinessRecordCorrected':
      return {
        changes: { [event.data.correction.field]: event.data.correction.value },
        correctionId: event.data.correctionId,
      };
    default:
      return assertNever(event, 'business event');
  }
}
