import { randomUUID } from 'node:crypto';

import { ApplicationError } from '@gov/platform-chassis';
import { DomainRejection } from '@gov/platform-decider';
import type { SubjectKeyStore, SubjectKeys } from '@gov/platform-data-protection';
import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import { REGISTER_NAMES, assertNever } from '@gov/registry-domain';
import type {
  RegistryRejectionCode,
  BusinessCorrection,
  CorrectionCommand,
  CorrectionState,
  CorrectionTargetInput,
  PersonCorrection,
  RegisterName,
  Registrar,
} from '@gov/registry-domain';

import { requireCitizen, requireRegistrarOf } from '../access/access-policy';
import { businesses, corrections, create, execute, keysOfRecord, load, persons } from '../commands';
import { actorOf, appendMetadata } from '../context';
import type { ChangeOptions, RequestContext } from '../context';
import type {
  Clock,
  CorrectionFilter,
  CorrectionSummary,
  CorrectionsReadModel,
  RegistrarDirectory,
} from '../ports';
import { streamIds } from '../streams';
import { acceptanceOf, completeAcceptedCorrection } from './apply-accepted-correction';
import type { CorrectedRecord } from './apply-accepted-correction';
import { correctionView } from './correction.views';
import type { CorrectionView } from './correction.views';

/** What a data subject asks for: a field of one record, its proposed value, and why. */
export interface RequestCorrectionInput {
  readonly target:
    | {
        readonly register: 'persons';
        readonly recordId: string;
        readonly correction: PersonCorrection;
      }
    | {
        readonly register: 'businesses';
        readonly recordId: string;
        readonly correction: BusinessCorrection;
      };
  readonly justification: string;
}

/** The outcome of a command on a correction request. */
export interface CorrectionWritten {
  readonly correctionId: string;
  readonly status: 'REQUESTED' | 'ACCEPTED' | 'REJECTED';
  /** The request stream's version afterwards (its `ETag`). */
  readonly version: number;
  /** Whether the command changed the request (`false`: it was already decided so). */
  readonly changed: boolean;
}

/** The outcome of an acceptance: the request, and the record the accepted value went into. */
export interface CorrectionAcceptance extends CorrectionWritten {
  readonly record: Omit<CorrectedRecord, 'erased'>;
}

/** A correction request's stream once it exists. */
interface RequestedStream {
  readonly state: Exclude<CorrectionState, { status: 'NOT_REQUESTED' }>;
  readonly recorded: readonly RecordedEvent[];
}

/**
 * Correction requests: a data subject asks, a registrar of the record's register accepts or
 * rejects, and an accepted value goes into the record through the record's own command (see
 * {@link applyAcceptedCorrection}). The requester follows their requests in the read model.
 *
 * `store` must keep the corrections read model up to its appends (`PgCorrectionsEventStore`, in
 * the append's transaction; `ReadModelFollowingStore` elsewhere): a request then reads its
 * own writes, and the service writes the read model nowhere itself.
 */
export class CorrectionService {
  constructor(
    private readonly store: EventStore,
    /** The per-subject keys: a correction of a person's record is sealed under theirs. */
    private readonly keyStore: SubjectKeyStore,
    private readonly clock: Clock,
    private readonly readModel: CorrectionsReadModel,
    private readonly registrars: RegistrarDirectory,
    private readonly newId: () => string = randomUUID,
  ) {}

  /**
   * A citizen asks to correct a field of their own person record, or of the record of a
   * business they currently manage.
   */
  async request(
    context: RequestContext,
    input: RequestCorrectionInput,
  ): Promise<CorrectionWritten> {
    const citizen = requireCitizen(context.principal, 'ask for a correction');
    const now = this.clock.now();
    const target = await this.targetInput(citizen.subject, input.target);
    const correctionId = this.newId();
    const outcome = await create(
      this.store,
      corrections,
      streamIds.correction(correctionId),
      {
        type: 'RequestCorrection',
        data: {
          correctionId,
          target,
          justification: input.justification,
          requester: citizen.subject,
        },
        metadata: { now },
      },
      {
        metadata: appendMetadata(context, actorOf(context.principal)),
        // A person's words and proposed value are sealed under their key.
        keys: await keysOfRecord(this.keyStore, target.register, target.recordId),
        ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      },
    );
    const requested = outcome.created ? outcome.appended[0] : undefined;
    if (requested === undefined) {
      throw new Error(`correction stream ${correctionId} existed before it was requested`);
    }
    return { correctionId, status: 'REQUESTED', version: requested.streamVersion, changed: true };
  }

  /**
   * A registrar of the record's register accepts the request; the accepted value then goes into
   * the record, caused by the acceptance, and a correction of a person's record is communicated
   * to the organisations that had the old value (see {@link completeAcceptedCorrection}).
   * Repeating an acceptance changes nothing but completes what was interrupted.
   */
  async accept(
    context: RequestContext,
    correctionId: string,
    options: ChangeOptions = {},
  ): Promise<CorrectionAcceptance> {
    const now = this.clock.now();
    const { registrar, keys } = await this.decider(context, correctionId);
    const result = await this.decide(context, correctionId, options, keys, {
      type: 'AcceptCorrection',
      data: { correctionId, registrar },
      metadata: { now },
    });
    const accepted = await acceptanceOf(this.store, this.keyStore, correctionId, result.appended);
    const completed = await completeAcceptedCorrection(
      this.store,
      this.keyStore,
      accepted,
      now,
      (causationId) => appendMetadata(context, actorOf(context.principal), causationId),
    );
    return {
      correctionId,
      status: 'ACCEPTED',
      // The communication moved the request's stream: the ETag is its version now.
      version: Math.max(result.streamVersion, completed.correctionVersion),
      changed: result.appended.length > 0,
      record: {
        register: completed.record.register,
        recordId: completed.record.recordId,
        version: completed.record.version,
        changed: completed.record.changed,
      },
    };
  }

  /** A registrar of the record's register rejects the request, with a reason for the requester. */
  async reject(
    context: RequestContext,
    correctionId: string,
    reason: string,
    options: ChangeOptions = {},
  ): Promise<CorrectionWritten> {
    const { registrar, keys } = await this.decider(context, correctionId);
    const result = await this.decide(context, correctionId, options, keys, {
      type: 'RejectCorrection',
      data: { correctionId, registrar, reason },
      metadata: { now: this.clock.now() },
    });
    const rejected = result.appended[0];
    return {
      correctionId,
      status: 'REJECTED',
      version: result.streamVersion,
      changed: rejected !== undefined,
    };
  }

  /** A correction request, to its requester or a registrar of the record's register. */
  async get(context: RequestContext, correctionId: string): Promise<CorrectionView> {
    const { state, recorded } = await this.requested(correctionId);
    const { principal } = context;
    const register = state.request.target.register;
    const allowed =
      (principal.kind === 'citizen' && principal.subject === state.request.requester) ||
      (principal.kind === 'registrar' && principal.registers.includes(register));
    if (!allowed) {
      throw ApplicationError.forbidden(
        `only its requester or a registrar of the ${register} register may read this correction request`,
      );
    }
    return correctionView(state, recorded, {
      // The person does not see a recipient whose reads were all covert before its seal ends;
      // a registrar of the register, who keeps the record, sees every recipient.
      sealedHiddenBefore: principal.kind === 'citizen' ? this.clock.now() : undefined,
    });
  }

  /**
   * The caller's correction requests (a citizen's own), or the requests on the registers a
   * registrar keeps (their work list, e.g. with `status: 'REQUESTED'`); newest first.
   */
  async list(context: RequestContext, filter: CorrectionFilter = {}): Promise<CorrectionSummary[]> {
    const { principal } = context;
    switch (principal.kind) {
      case 'citizen':
        return await this.withReasons(
          await this.readModel.listByRequester(principal.subject, filter),
        );
      case 'registrar':
        return await this.withReasons(
          await this.readModel.listByRegisters(
            REGISTER_NAMES.filter((name) => principal.registers.includes(name)),
            filter,
          ),
        );
      case 'agency':
        throw ApplicationError.forbidden('agencies do not read correction requests');
      case 'operator':
      case 'dpo':
      case 'auditor':
        throw ApplicationError.forbidden(`${principal.kind}s do not read correction requests`);
      default:
        return assertNever(principal, 'principal');
    }
  }

  /**
   * `summaries` with the reasons of rejections of a person's record filled in: the read model
   * does not hold them (they are sealed under the person's key, and a projection never opens
   * personal data), so each is opened from its request's stream, with the keys this site has.
   */
  private async withReasons(summaries: CorrectionSummary[]): Promise<CorrectionSummary[]> {
    return await Promise.all(
      summaries.map(async (summary) => {
        if (summary.status !== 'REJECTED' || summary.reason !== null) return summary;
        const { state } = await this.requested(summary.correctionId);
        return state.status === 'REJECTED' ? { ...summary, reason: state.reason } : summary;
      }),
    );
  }

  /** What the domain needs to know about the record to decide a request on it. */
  private async targetInput(
    requester: string,
    target: RequestCorrectionInput['target'],
  ): Promise<CorrectionTargetInput> {
    switch (target.register) {
      case 'persons': {
        // Checked before the record is looked up, so that nobody learns whether another
        // person's record exists.
        if (target.recordId.trim() !== requester) {
          throw new DomainRejection<RegistryRejectionCode>(
            'NOT_DATA_SUBJECT',
            'a person may ask to correct only their own record',
            [
              {
                field: 'target.recordId',
                code: 'not-own-record',
                message: 'is not the requester’s own record',
              },
            ],
          );
        }
        const person = await load(this.store, persons, streamIds.person(requester), this.keyStore);
        if (person.state.status === 'unregistered') {
          throw ApplicationError.notFound(`no person is registered with number ${requester}`);
        }
        return target;
      }
      case 'businesses': {
        const recordId = target.recordId.trim();
        const business = /^B[1-9]\d{0,5}$/.test(recordId)
          ? await load(this.store, businesses, streamIds.business(recordId))
          : undefined;
        if (business === undefined) {
          // Malformed: let the decision report it with its field path.
          return { ...target, currentManagers: [] };
        }
        if (business.state.status === 'unregistered') {
          throw ApplicationError.notFound(`no business is registered with number ${recordId}`);
        }
        return {
          ...target,
          currentManagers: business.state.record.managers.map((manager) => manager.nationalId),
        };
      }
      default:
        return assertNever(target, 'correction target');
    }
  }

  /**
   * The registrar deciding a request: a registrar of the record's register (403 otherwise),
   * enrolled with their national identification number for the four-eyes rule.
   */
  private async decider(
    context: RequestContext,
    correctionId: string,
  ): Promise<{ registrar: Registrar; keys: SubjectKeys }> {
    if (context.principal.kind !== 'registrar') {
      throw ApplicationError.forbidden('only a registrar decides on correction requests');
    }
    const { state } = await this.requested(correctionId);
    const register: RegisterName = state.request.target.register;
    const registrar = requireRegistrarOf(context.principal, register);
    // The identity provider's national_id claim, else the registry's own enrolment.
    const nationalId =
      context.principal.nationalId ?? (await this.registrars.nationalIdOf(registrar.subject));
    if (nationalId === undefined) {
      throw ApplicationError.forbidden(
        `registrar ${registrar.subject} has no national identification number (token claim ` +
          'national_id, or enrolment), which deciding on corrections needs (a registrar never ' +
          'decides on their own record or request)',
      );
    }
    return {
      registrar: { registrarId: registrar.subject, nationalId, register },
      keys: await keysOfRecord(this.keyStore, register, state.request.target.recordId),
    };
  }

  private decide(
    context: RequestContext,
    correctionId: string,
    options: ChangeOptions,
    keys: SubjectKeys,
    command: CorrectionCommand,
  ) {
    return execute(this.store, corrections, streamIds.correction(correctionId), command, {
      metadata: appendMetadata(context, actorOf(context.principal)),
      keys,
      ...(options.expectedVersion === undefined
        ? {}
        : { expectedVersion: options.expectedVersion }),
    });
  }

  private async requested(correctionId: string): Promise<RequestedStream> {
    const { state, recorded } = await load(
      this.store,
      corrections,
      streamIds.correction(correctionId),
      this.keyStore,
    );
    if (state.status === 'NOT_REQUESTED') {
      throw ApplicationError.notFound(`no correction request has id ${correctionId}`);
    }
    return { state, recorded };
  }
}
