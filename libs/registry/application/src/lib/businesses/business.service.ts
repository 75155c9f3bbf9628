import { ApplicationError } from '@gov/platform-chassis';
import type { EventStore } from '@gov/platform-event-sourcing';
import type {
  Address,
  BusinessCommand,
  ChangeManagers,
  Manager,
  RegisterBusiness,
  StrikeOffBusiness,
} from '@gov/registry-domain';

import {
  businessReadAccess,
  requireCurrentManager,
  requireRegistrarOf,
} from '../access/access-policy';
import type { BusinessReadAccess } from '../access/access-policy';
import { businesses, create, execute, fold, load } from '../commands';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import { actorOf, appendMetadata } from '../context';
import type { ChangeOptions, RequestContext } from '../context';
import { historyEntries, recordedBy } from '../history';
import type { RecordHistory } from '../history';
import type { BusinessManagersReadModel, Clock, NumberAllocator } from '../ports';
import { streamIds } from '../streams';
import type { AgencyReadPolicy } from '../access/agency-reads';
import {
  businessChange,
  businessView,
  minimisedBusinessChange,
  minimisedBusinessView,
} from './business.views';
import type { BusinessRead, BusinessView } from './business.views';

/** A business that a person manages, as their list shows it. */
export interface ManagedBusiness {
  readonly businessNumber: string;
  readonly name: string;
  readonly legalForm: BusinessView['legalForm'];
  readonly status: BusinessView['status'];
  /** The person's role among the business's managers. */
  readonly role: BusinessView['managers'][number]['role'];
}

/** The businesses a person manages now. */
export interface ManagedBusinesses {
  readonly nationalId: string;
  /** By business number. */
  readonly businesses: readonly ManagedBusiness[];
}

/** What registering a business needs: everything but the number, which the registry assigns. */
export type RegisterBusinessInput = Omit<RegisterBusiness['data'], 'businessNumber'>;

/** The outcome of a write on a business's record. */
export interface BusinessWritten {
  readonly businessNumber: string;
  readonly version: number;
  /** Whether the command changed the record (`false`: the effect was already in place). */
  readonly changed: boolean;
}

/** See `MAX_ALLOCATION_ATTEMPTS` of the persons register. */
const MAX_ALLOCATION_ATTEMPTS = 20;

/** A valid business number that stands in for the one to allocate while the input is checked. */
const STAND_IN_NUMBER = 'B1';

/** The register of businesses, as use cases. */
export class BusinessService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly numbers: NumberAllocator,
    /** Decides agencies' reads; without it, agencies read nothing (403). */
    private readonly agencyReads?: AgencyReadPolicy,
    /** Who manages which business; without it, no one's list of businesses is answered (503). */
    private readonly managers?: BusinessManagersReadModel,
  ) {}

  /** Registers a business under the next business number (allocated once the input is valid). */
  async register(context: RequestContext, input: RegisterBusinessInput): Promise<BusinessWritten> {
    requireRegistrarOf(context.principal, 'businesses');
    const now = this.clock.now();
    const command = (businessNumber: string): RegisterBusiness => ({
      type: 'RegisterBusiness',
      data: { ...input, businessNumber },
      metadata: { now },
    });
    businesses.decider.decide(command(STAND_IN_NUMBER), businesses.decider.initialState);
    const metadata = appendMetadata(context, actorOf(context.principal));
    for (let attempt = 1; attempt <= MAX_ALLOCATION_ATTEMPTS; attempt += 1) {
      const digits = await this.numbers.nextBusinessNumber();
      if (digits === undefined) {
        throw ApplicationError.conflict('every business number is assigned');
      }
      const businessNumber = `B${digits}`;
      const outcome = await create(
        this.store,
        businesses,
        streamIds.business(businessNumber),
        command(businessNumber),
        {
          metadata,
          keys: NO_PERSONAL_DATA,
          ...(context.idempotency ? { idempotency: context.idempotency } : {}),
        },
      );
      if (outcome.created) {
        return { businessNumber, version: outcome.appended.length, changed: true };
      }
    }
    throw ApplicationError.conflict('no free business number found; retry');
  }

  changeAddress(
    context: RequestContext,
    businessNumber: string,
    registeredAddress: Address,
    options: ChangeOptions = {},
  ): Promise<BusinessWritten> {
    return this.change(context, businessNumber, options, (now) => ({
      type: 'ChangeBusinessAddress',
      data: { businessNumber, registeredAddress },
      metadata: { now },
    }));
  }

  changeManagers(
    context: RequestContext,
    businessNumber: string,
    managers: ChangeManagers['data']['managers'],
    options: ChangeOptions = {},
  ): Promise<BusinessWritten> {
    return this.change(context, businessNumber, options, (now) => ({
      type: 'ChangeManagers',
      data: { businessNumber, managers },
      metadata: { now },
    }));
  }

  strikeOff(
    context: RequestContext,
    businessNumber: string,
    data: Omit<StrikeOffBusiness['data'], 'businessNumber'>,
    options: ChangeOptions = {},
  ): Promise<BusinessWritten> {
    return this.change(context, businessNumber, options, (now) => ({
      type: 'StrikeOffBusiness',
      data: { ...data, businessNumber },
      metadata: { now },
    }));
  }

  /**
   * The business's record, now or as it stood at `asOf` (404 if it did not exist then). A
   * citizen reads it only while the record names them as a manager (403 otherwise, also for an
   * unknown number); as of an earlier instant too, since they manage it now.
   */
  async get(context: RequestContext, businessNumber: string, asOf?: Date): Promise<BusinessRead> {
    const access = businessReadAccess(context);
    const fields = this.agencyFields(access);
    const stream = await this.store.readStream(streamIds.business(businessNumber));
    if (access.kind === 'manager') requireCurrentManager(access.nationalId, managersOf(stream));
    const { state, version } = fold(businesses, recordedBy(stream, asOf), NO_PERSONAL_DATA);
    if (state.status === 'unregistered') {
      throw ApplicationError.notFound(
        asOf === undefined
          ? `no business is registered with number ${businessNumber}`
          : `no business was registered with number ${businessNumber} at ${asOf.toISOString()}`,
      );
    }
    const view = businessView(state, version);
    return fields === undefined ? view : minimisedBusinessView(view, fields);
  }

  /** Every change of the business's record, oldest first; to whom {@link get} answers. */
  async history(context: RequestContext, businessNumber: string): Promise<RecordHistory> {
    const access = businessReadAccess(context);
    const fields = this.agencyFields(access);
    const { recorded, events, version, state } = await load(
      this.store,
      businesses,
      streamIds.business(businessNumber),
    );
    if (access.kind === 'manager') {
      requireCurrentManager(
        access.nationalId,
        state.status === 'unregistered' ? undefined : state.record.managers,
      );
    }
    if (version === 0) {
      throw ApplicationError.notFound(`no business is registered with number ${businessNumber}`);
    }
    return {
      recordId: businessNumber,
      version,
      entries: historyEntries(recorded, events, businessChange).map((entry) =>
        fields === undefined ? entry : minimisedBusinessChange(entry, fields),
      ),
    };
  }

  /**
   * The businesses `nationalId` manages now, struck-off ones included: for the person
   * themself, and registrars of the businesses register. Found through the business managers
   * read model (a projection of the log, a moment behind it), then each answered from its own
   * record, which has the last word: a business whose record no longer names the person is left
   * out even if the read model has not caught up yet.
   */
  async managedBy(context: RequestContext, nationalId: string): Promise<ManagedBusinesses> {
    const { principal } = context;
    if (principal.kind === 'citizen') {
      if (principal.subject !== nationalId) {
        throw ApplicationError.forbidden('a citizen may list only the businesses they manage');
      }
    } else {
      requireRegistrarOf(principal, 'businesses');
    }
    if (this.managers === undefined) {
      throw ApplicationError.serviceUnavailable(
        'the business managers read model is not available',
      );
    }
    const listed = await this.managers.managedBy(nationalId);
    const found: ManagedBusiness[] = [];
    for (const { businessNumber } of listed) {
      const { state } = await load(this.store, businesses, streamIds.business(businessNumber));
      if (state.status === 'unregistered') continue;
      const manager = state.record.managers.find((m) => m.nationalId === nationalId);
      if (manager === undefined) continue;
      found.push({
        businessNumber,
        name: state.record.name,
        legalForm: state.record.legalForm,
        status: state.status,
        role: manager.role,
      });
    }
    return { nationalId, businesses: found };
  }

  /** For an agency, the fields its legal basis allows; everyone else, all (`undefined`). */
  private agencyFields(access: BusinessReadAccess): ReadonlySet<string> | undefined {
    if (access.kind !== 'agency') return undefined;
    if (this.agencyReads === undefined) {
      throw ApplicationError.forbidden('agencies do not read business records here');
    }
    return this.agencyReads.permitBusinessRead(access).fields;
  }

  private async change(
    context: RequestContext,
    businessNumber: string,
    options: ChangeOptions,
    command: (now: Date) => BusinessCommand,
  ): Promise<BusinessWritten> {
    requireRegistrarOf(context.principal, 'businesses');
    const result = await execute(
      this.store,
      businesses,
      streamIds.business(businessNumber),
      command(this.clock.now()),
      {
        metadata: appendMetadata(context, actorOf(context.principal)),
        keys: NO_PERSONAL_DATA,
        ...(options.expectedVersion === undefined
          ? {}
          : { expectedVersion: options.expectedVersion }),
      },
    );
    return { businessNumber, version: result.streamVersion, changed: result.events.length > 0 };
  }
}

/** The managers of the business whose whole stream is `stream`, now; `undefined` if none. */
function managersOf(stream: Parameters<typeof recordedBy>[0]): readonly Manager[] | undefined {
  const { state } = fold(businesses, recordedBy(stream, undefined), NO_PERSONAL_DATA);
  return state.status === 'unregistered' ? undefined : state.record.managers;
}
