import { ApplicationError } from '@gov/platform-chassis';
import { DomainRejection } from '@gov/platform-decider';
import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import {
  PersonDeathRecordedSchema,
  PersonErasedSchema,
  PersonRegisteredSchema,
} from '@gov/contracts';
import {
  isBusinessNumber,
  normaliseRegistrationNumber,
  parseNationalId,
  vehicleDecider,
} from '@gov/registry-domain';
import type {
  DeregistrationGround,
  RegisterVehicle,
  RegistryRejectionCode,
  VehicleCommand,
  VehicleEvent,
  VehicleOwner,
  VehicleOwnerInput,
  VehicleState,
} from '@gov/registry-domain';

import type { AccessLog } from '../access/access-log';
import { REGISTER_KEEPING, requireRegistrarOf, vehicleReadAccess } from '../access/access-policy';
import type { ReadRecord, VehicleReadAccess } from '../access/access-policy';
import type { AgencyReadPolicy } from '../access/agency-reads';
import { businesses, create, execute, fold, load } from '../commands';
import type { RegistryAggregate } from '../commands';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import { actorOf, appendMetadata } from '../context';
import type { ChangeOptions, RequestContext } from '../context';
import { historyEntries, recordedBy } from '../history';
import type { RecordHistory } from '../history';
import type { Clock } from '../ports';
import { streamIds } from '../streams';
import { vehicleEventsCodec } from './vehicle-events.codec';
import {
  minimisedVehicleChange,
  minimisedVehicleView,
  vehicleChange,
  vehicleView,
} from './vehicle.views';
import type { OwnerView, VehicleRead } from './vehicle.views';

/** The vehicles' streams: their decider and payload codec. */
export const vehicles: RegistryAggregate<VehicleCommand, VehicleEvent, VehicleState> = {
  name: 'vehicle',
  decider: vehicleDecider,
  codec: vehicleEventsCodec,
};

/** What registering a vehicle needs: the registrar issues the number. */
export type RegisterVehicleInput = Omit<RegisterVehicle['data'], 'ownerOnRecord'>;

/** The outcome of a write on a vehicle's record. */
export interface VehicleWritten {
  /** The registration number as the register keeps it (`AB1234`). */
  readonly registrationNumber: string;
  readonly version: number;
  /** Whether the command changed the record (`false`: the effect was already in place). */
  readonly changed: boolean;
}

/**
 * The register of vehicles, as use cases. A vehicle's events carry no sealed data: the owner
 * is a number (see vehicles.proto); a person owner whose data was erased is shown as erased
 * on every read here, found from the person's own stream.
 */
export class VehicleService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    /** Decides agencies' reads; without it, agencies read nothing (403). */
    private readonly agencyReads?: AgencyReadPolicy,
    /**
     * Records the reads that show a person as an owner in that person's access log; without it,
     * only the vehicle's owner (a read that is not recorded) and no one else reads (403).
     */
    private readonly accessLog?: AccessLog,
  ) {}

  /**
   * Registers a vehicle under the number the registrar gives (normalised: `ab 1234` is
   * `AB1234`). 409 `ALREADY_REGISTERED` when that number is taken; 400 for an owner who is not
   * on record (`unknown-owner`).
   */
  async register(context: RequestContext, input: RegisterVehicleInput): Promise<VehicleWritten> {
    requireRegistrarOf(context.principal, 'vehicles');
    const registrationNumber = normaliseRegistrationNumber(input.registrationNumber);
    const command: RegisterVehicle = {
      type: 'RegisterVehicle',
      data: {
        ...input,
        registrationNumber,
        ownerOnRecord: await this.ownerOnRecord(input.owner),
      },
      metadata: { now: this.clock.now() },
    };
    const streamId = streamIds.vehicle(registrationNumber);
    // A number already taken is refused by the decider on the stream as it is. The stream is
    // read first because an append that finds it taken cannot always be told apart from a
    // conflict (under the idempotency interceptor's transaction it surfaces as a plain 409).
    const { state } = await load(this.store, vehicles, streamId);
    vehicles.decider.decide(command, state);
    const outcome = await create(this.store, vehicles, streamId, command, {
      metadata: appendMetadata(context, actorOf(context.principal)),
      keys: NO_PERSONAL_DATA,
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
    });
    if (!outcome.created) {
      // Registered by a concurrent request between the read and the append.
      throw new DomainRejection<RegistryRejectionCode>(
        'ALREADY_REGISTERED',
        `vehicle ${registrationNumber} is already registered`,
        [
          {
            field: 'registrationNumber',
            code: 'already-registered',
            message: 'is already registered',
          },
        ],
      );
    }
    return { registrationNumber, version: outcome.appended.length, changed: true };
  }

  /** Records a new owner, who must be on record (400 `unknown-owner` otherwise). */
  async transferOwnership(
    context: RequestContext,
    registrationNumber: string,
    owner: VehicleOwnerInput,
    options: ChangeOptions = {},
  ): Promise<VehicleWritten> {
    requireRegistrarOf(context.principal, 'vehicles');
    const ownerOnRecord = await this.ownerOnRecord(owner);
    return this.change(context, registrationNumber, options, (now, number) => ({
      type: 'TransferOwnership',
      data: { registrationNumber: number, owner, ownerOnRecord },
      metadata: { now },
    }));
  }

  /** Takes the vehicle off the register. */
  deregister(
    context: RequestContext,
    registrationNumber: string,
    data: { readonly effectiveDate: string; readonly ground: DeregistrationGround },
    options: ChangeOptions = {},
  ): Promise<VehicleWritten> {
    return this.change(context, registrationNumber, options, (now, number) => ({
      type: 'DeregisterVehicle',
      data: { ...data, registrationNumber: number },
      metadata: { now },
    }));
  }

  /**
   * The vehicle's record, now or as it stood at `asOf` (404 if it did not exist then). A
   * citizen reads it only while the record names them as its owner (403 otherwise, also for an
   * unknown number, so that the register cannot be probed).
   */
  async get(
    context: RequestContext,
    registrationNumber: string,
    asOf?: Date,
  ): Promise<VehicleRead> {
    const access = vehicleReadAccess(context);
    const { fields, record } = this.decideRead(context, access);
    const number = normaliseRegistrationNumber(registrationNumber);
    const stream = await this.store.readStream(streamIds.vehicle(number));
    if (access.kind === 'owner') requireCurrentOwner(access.nationalId, stream);
    const { state, version } = fold(vehicles, recordedBy(stream, asOf), NO_PERSONAL_DATA);
    if (state.status === 'unregistered') {
      throw ApplicationError.notFound(
        asOf === undefined
          ? `no vehicle is registered with number ${number}`
          : `no vehicle was registered with number ${number} at ${asOf.toISOString()}`,
      );
    }
    const owners = await this.ownerViews([state.record.owner]);
    const full = vehicleView(state, version, owners(state.record.owner));
    const view = fields === undefined ? full : minimisedVehicleView(full, fields);
    await this.recordRead(context, record, [view.owner], Object.keys(view));
    return view;
  }

  /** Every change of the vehicle's record, oldest first; to whom {@link get} answers. */
  async history(context: RequestContext, registrationNumber: string): Promise<RecordHistory> {
    const access = vehicleReadAccess(context);
    const { fields, record } = this.decideRead(context, access);
    const number = normaliseRegistrationNumber(registrationNumber);
    const { recorded, events, version } = await load(
      this.store,
      vehicles,
      streamIds.vehicle(number),
    );
    if (access.kind === 'owner') requireCurrentOwner(access.nationalId, recorded);
    if (version === 0) {
      throw ApplicationError.notFound(`no vehicle is registered with number ${number}`);
    }
    const owners = await this.ownerViews(
      events.flatMap((event) => ('owner' in event.data ? [event.data.owner] : [])),
    );
    const entries = historyEntries(recorded, events, (event) => vehicleChange(event, owners)).map(
      (entry) => (fields === undefined ? entry : minimisedVehicleChange(entry, fields)),
    );
    await this.recordRead(
      context,
      record,
      entries.map((entry) => entry.changes['owner'] as OwnerView | undefined),
      entries.flatMap((entry) => entry.changedFields),
    );
    return { recordId: number, version, entries };
  }

  /**
   * The fields the caller may have (an agency: its basis's; everyone else: all, `undefined`)
   * and how a read showing a person as owner is recorded (`null`: the owner's own read).
   */
  private decideRead(
    context: RequestContext,
    access: VehicleReadAccess,
  ): { fields: ReadonlySet<string> | undefined; record: ReadRecord } {
    switch (access.kind) {
      case 'owner':
        return { fields: undefined, record: null };
      case 'registrar': {
        const { principal } = context;
        return {
          fields: undefined,
          record: {
            organisationId:
              principal.kind === 'registrar'
                ? (principal.organisationId ?? 'registry')
                : 'registry',
            purpose: REGISTER_KEEPING.vehicles.purpose,
            legalBasis: REGISTER_KEEPING.vehicles.legalBasis,
            accessorRole: 'registrar',
          },
        };
      }
      case 'agency': {
        if (this.agencyReads === undefined) {
          throw ApplicationError.forbidden('agencies do not read vehicle records here');
        }
        const permit = this.agencyReads.permitVehicleRead(access);
        return {
          fields: permit.fields,
          record: {
            organisationId: access.organisationId,
            purpose: access.purpose,
            legalBasis: permit.legalBasis,
            legalBasisId: permit.legalBasisId,
            // As for persons: agency tokens are issued to systems.
            accessorRole: 'agency-system',
          },
        };
      }
      default: {
        const unknown: never = access;
        throw new TypeError(`unknown access ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Records, in the access log of each person `shown` as an owner (an erased one is not shown),
   * that the caller read `fields` of a vehicle naming them: which vehicle a person owns is their
   * data. The fields are named as the catalogue's categories (`vehicles.owner`), so that they
   * are never taken for a field of the person's own record. Before the data is returned.
   */
  private async recordRead(
    context: RequestContext,
    record: ReadRecord,
    shown: readonly (OwnerView | undefined)[],
    fields: readonly string[],
  ): Promise<void> {
    if (record === null) return;
    const people = new Set(
      shown.flatMap((owner) =>
        owner !== undefined && owner.kind === 'person' && 'nationalId' in owner
          ? [owner.nationalId]
          : [],
      ),
    );
    if (people.size === 0) return;
    if (this.accessLog === undefined) {
      throw ApplicationError.forbidden(
        'reads of vehicles are not recorded here, so none is served',
      );
    }
    const read = [...new Set(fields)]
      .map((field) => VEHICLE_CATEGORY[field])
      .filter((category): category is string => category !== undefined);
    for (const nationalId of people) {
      await this.accessLog.record(context, record, nationalId, read);
    }
  }

  /**
   * The lookup `decide` needs: whether a well-formed owner number names an open record (a
   * living person whose data is not erased, found from the person's event types without opening
   * their sealed data; a business not struck off). A malformed number is looked up nowhere: the
   * decider refuses its format.
   */
  private async ownerOnRecord(owner: VehicleOwnerInput): Promise<boolean> {
    switch (owner.kind) {
      case 'person': {
        const parsed = parseNationalId(owner.nationalId.trim());
        if (!parsed.ok) return false;
        const types = (await this.store.readStream(streamIds.person(parsed.value))).map(
          (event) => event.eventType,
        );
        return (
          types.includes(PersonRegisteredSchema.typeName) &&
          !types.includes(PersonDeathRecordedSchema.typeName) &&
          !types.includes(PersonErasedSchema.typeName)
        );
      }
      case 'business': {
        const businessNumber = owner.businessNumber.trim();
        if (!isBusinessNumber(businessNumber)) return false;
        const { state } = await load(this.store, businesses, streamIds.business(businessNumber));
        return state.status === 'active';
      }
      default:
        // An owner kind that bypassed the types: the decider refuses it.
        return false;
    }
  }

  /** How each of `owners` is shown: a person whose data was erased without their number. */
  private async ownerViews(
    owners: readonly VehicleOwner[],
  ): Promise<(owner: VehicleOwner) => OwnerView> {
    const erased = new Set<string>();
    const people = new Set(
      owners.flatMap((owner) => (owner.kind === 'person' ? [owner.nationalId] : [])),
    );
    for (const nationalId of people) {
      const stream = await this.store.readStream(streamIds.person(nationalId));
      if (stream.some((event) => event.eventType === PersonErasedSchema.typeName)) {
        erased.add(nationalId);
      }
    }
    return (owner) =>
      owner.kind === 'person' && erased.has(owner.nationalId)
        ? { kind: 'person', erased: true }
        : owner;
  }

  private async change(
    context: RequestContext,
    registrationNumber: string,
    options: ChangeOptions,
    command: (now: Date, registrationNumber: string) => VehicleCommand,
  ): Promise<VehicleWritten> {
    requireRegistrarOf(context.principal, 'vehicles');
    const number = normaliseRegistrationNumber(registrationNumber);
    const result = await execute(
      this.store,
      vehicles,
      streamIds.vehicle(number),
      command(this.clock.now(), number),
      {
        metadata: appendMetadata(context, actorOf(context.principal)),
        keys: NO_PERSONAL_DATA,
        ...(options.expectedVersion === undefined
          ? {}
          : { expectedVersion: options.expectedVersion }),
      },
    );
    return {
      registrationNumber: number,
      version: result.streamVersion,
      changed: result.events.length > 0,
    };
  }
}

/** The catalogue's category of each field of a vehicle's view and history. */
const VEHICLE_CATEGORY: Readonly<Record<string, string>> = {
  registrationNumber: 'vehicles.registration_number',
  status: 'vehicles.status',
  owner: 'vehicles.owner',
  make: 'vehicles.make',
  model: 'vehicles.model',
  firstRegistration: 'vehicles.first_registration',
  deregistration: 'vehicles.deregistration',
};

/**
 * 403 unless the vehicle whose whole stream is `stream` is owned by the person now; the same
 * answer whether the vehicle exists or not.
 */
function requireCurrentOwner(nationalId: string, stream: readonly RecordedEvent[]): void {
  const { state } = fold(vehicles, recordedBy(stream, undefined), NO_PERSONAL_DATA);
  const owner = state.status === 'unregistered' ? undefined : state.record.owner;
  if (owner?.kind !== 'person' || owner.nationalId !== nationalId) {
    throw ApplicationError.forbidden('a citizen may read only the vehicles they own');
  }
}
