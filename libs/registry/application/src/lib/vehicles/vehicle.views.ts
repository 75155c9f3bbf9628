import { assertNever } from '@gov/registry-domain';
import type {
  Deregistration,
  VehicleEvent,
  VehicleOwner,
  VehicleState,
} from '@gov/registry-domain';

import type { Change } from '../history';

/**
 * A vehicle's owner as the registry answers it: the owner's number, except for a person whose
 * data was erased, who is shown as erased without the number.
 */
export type OwnerView = VehicleOwner | { readonly kind: 'person'; readonly erased: true };

/** A vehicle's record as the registry answers it. */
export interface VehicleView {
  readonly registrationNumber: string;
  readonly status: 'registered' | 'deregistered';
  /** The record's version: its `ETag`, and the `If-Match` of the next change. */
  readonly version: number;
  readonly owner: OwnerView;
  readonly make: string;
  readonly model: string;
  readonly firstRegistration: string;
  readonly deregistration: Deregistration | null;
}

/** The record of a registered vehicle, its owner shown as `owner`. */
export function vehicleView(
  state: Exclude<VehicleState, { status: 'unregistered' }>,
  version: number,
  owner: OwnerView,
): VehicleView {
  const { record } = state;
  return {
    registrationNumber: record.registrationNumber,
    status: state.status,
    version,
    owner,
    make: record.make,
    model: record.model,
    firstRegistration: record.firstRegistration,
    deregistration: state.status === 'deregistered' ? state.deregistration : null,
  };
}

/** The gov.registry.vehicles.v1 VehicleRecord name of each field of {@link VehicleView}. */
const VEHICLE_PROTO_NAMES: Readonly<
  Record<Exclude<keyof VehicleView, 'status' | 'version'>, string>
> = {
  registrationNumber: 'registration_number',
  owner: 'owner',
  make: 'make',
  model: 'model',
  firstRegistration: 'first_registration',
  deregistration: 'deregistration',
};

function protoName(field: string): string | undefined {
  return (VEHICLE_PROTO_NAMES as Readonly<Record<string, string>>)[field];
}

/** A vehicle's record as a reader receives it: an agency only the fields it may have. */
export type VehicleRead = Partial<VehicleView> &
  Pick<VehicleView, 'registrationNumber' | 'status' | 'version'>;

/**
 * The record as an agency may receive it: only the fields whose VehicleRecord names are in
 * `allowed`; the registration number (what the agency asked by), status and version always.
 */
export function minimisedVehicleView(view: VehicleView, allowed: ReadonlySet<string>): VehicleRead {
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(view)) {
    const name = protoName(field);
    if (name === undefined || name === 'registration_number' || allowed.has(name)) {
      kept[field] = value;
    }
  }
  return kept as VehicleRead;
}

/** A history entry of a vehicle with only the changes of fields in `allowed`. */
export function minimisedVehicleChange<
  Entry extends { changes: Readonly<Record<string, unknown>> },
>(entry: Entry, allowed: ReadonlySet<string>): Entry & { changedFields: readonly string[] } {
  const changes = Object.fromEntries(
    Object.entries(entry.changes).filter(([field]) => allowed.has(protoName(field) ?? '')),
  );
  return { ...entry, changes, changedFields: Object.keys(changes) };
}

/**
 * What a vehicle event changed in the record, by the record's field names; an owner is shown
 * with `owner` (so that an erased person's number is not shown in the history either).
 */
export function vehicleChange(
  event: VehicleEvent,
  owner: (owner: VehicleOwner) => OwnerView,
): Change {
  switch (event.type) {
    case 'VehicleRegistered':
      return {
        changes: {
          owner: owner(event.data.owner),
          make: event.data.make,
          model: event.data.model,
          firstRegistration: event.data.firstRegistration,
        },
      };
    case 'VehicleOwnershipTransferred':
      return { changes: { owner: owner(event.data.owner) } };
    case 'VehicleDeregistered':
      return {
        changes: {
          deregistration: { effectiveDate: event.data.effectiveDate, ground: event.data.ground },
        },
      };
    default:
      return assertNever(event, 'vehicle event');
  }
}
