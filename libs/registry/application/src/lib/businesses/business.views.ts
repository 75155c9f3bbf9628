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
