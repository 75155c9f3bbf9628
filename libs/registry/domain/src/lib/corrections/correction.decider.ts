import { DomainRejection } from '@gov/platform-decider';
import type { Decider } from '@gov/platform-decider';

/**
 * Correction requests ("amend incorrect data online"), as a decider of their own.
 *
 * Design. A request is its own aggregate, one stream per request (`correction-<uuid>`), not
 * events inside the record's stream:
 * - it has its own lifecycle (REQUESTED, then ACCEPTED or REJECTED, possibly days later), its
 *   own actors (the requester, a registrar) and its own reader: the requester follows it;
 * - a rejected or pending request must not touch the record's stream, which is the authentic
 *   source and feeds the public change feed; and a pending request must not make every
 *   registrar's write on the record conflict on the stream version.
 *
 * The record change is then the record's own event, `PersonRecordCorrected` /
 * `BusinessRecordCorrected`, carrying the correction id, decided by the record's decider from
 * `CorrectPersonRecord` / `CorrectBusinessRecord`. The application runs that command on
 * `CorrectionAccepted` (`correctRecordCommand` maps one to the other) with the accepted
 * event's id as causation id: only the record's decider changes the record, the link to the
 * request is in both the event data and the envelope, and the record's history tells a
 * correction (the old value was wrong) from a change (something happened to the person).
 *
 * Two streams are two appends, so the acceptance comes first and the record follows. That is
 * safe because the second step cannot be refused on business grounds: the proposed value was
 * checked with the record's own checks when requested, and the record deciders accept
 * corrections whatever the record's lifecycle (also for a deceased person or a struck-off
 * business). They are idempotent by correction id, so the application retries until it
 * succeeds (a reactor on `CorrectionAccepted`, at least once, is enough); a repeat is a no-op.
 *
 * The third step, for a person's record only, is back on the request's stream:
 * `CommunicateCorrection` records to whom the correction is sent (GDPR Art. 19), from the
 * person's access log, which the application passes in. It is a command of this aggregate, not a
 * side effect, so that it happens at most once (a second one decides nothing, and two racing
 * ones conflict on the stream version) while the application runs it at least once: after the
 * record change on the request path, and from the reactor when a crash came in between.
 */
import { Check, checkUuid } from '../shared/check';
import { checkNationalId } from '../shared/identifiers';
import { assertNever } from '../shared/messages';
import type { RegistryRejectionCode } from '../shared/rejection';
import type { NationalId } from '../national-id';
import { isBusinessNumber } from '../registers/businesses/business';
import type { BusinessNumber } from '../registers/businesses/business';
import { checkBusinessCorrection } from '../registers/businesses/business.corrections';
import { checkPersonCorrection } from '../registers/persons/person.corrections';
import { REGISTER_NAMES } from '../registers/registers';
import { CORRECTION_LIMITS } from './correction';
import type { CorrectionTarget, CorrectionTargetInput, Registrar } from './correction';
import type {
  AcceptCorrection,
  CommunicateCorrection,
  CorrectionCommand,
  RejectCorrection,
  RequestCorrection,
} from './correction.commands';
import { correctionRecipients } from './correction.communication';
import type { CorrectionRecipient } from './correction.communication';
import type { CorrectionEvent } from './correction.events';

/** The request as made, kept in every state after it. */
export interface CorrectionRequest {
  readonly correctionId: string;
  readonly target: CorrectionTarget;
  readonly justification: string;
  readonly requester: NationalId;
}

/** The state of one correction request's stream, folded by `evolveCorrection`. */
export type CorrectionState =
  | { readonly status: 'NOT_REQUESTED' }
  | { readonly status: 'REQUESTED'; readonly request: CorrectionRequest }
  | {
      readonly status: 'ACCEPTED';
      readonly request: CorrectionRequest;
      readonly acceptedBy: string;
      /** To whom it was communicated; `null` until then (and always for a business's record). */
      readonly communication: CorrectionCommunication | null;
    }
  | {
      readonly status: 'REJECTED';
      readonly request: CorrectionRequest;
      readonly rejectedBy: string;
      readonly reason: string;
    };

/** An accepted correction's communication to the organisations that had the old value. */
export interface CorrectionCommunication {
  readonly recipients: readonly CorrectionRecipient[];
  readonly communicatedAt: Date;
}

type Requested = Exclude<CorrectionState, { status: 'NOT_REQUESTED' }>;

/** The state of a stream with no events. */
export function initialCorrectionState(): CorrectionState {
  return { status: 'NOT_REQUESTED' };
}

/** Decides what a command on one correction request produces. Pure; throws `DomainRejection`. */
export function decideCorrection(
  command: CorrectionCommand,
  state: CorrectionState,
): CorrectionEvent[] {
  switch (command.type) {
    case 'RequestCorrection':
      return requestCorrection(command, state);
    case 'AcceptCorrection':
      return acceptCorrection(command, state);
    case 'RejectCorrection':
      return rejectCorrection(command, state);
    case 'CommunicateCorrection':
      return communicateCorrection(command, state);
    default:
      return assertNever(command, 'correction command');
  }
}

function requestCorrection({ data }: RequestCorrection, state: CorrectionState): CorrectionEvent[] {
  if (state.status !== 'NOT_REQUESTED') {
    throw new DomainRejection<RegistryRejectionCode>(
      'CORRECTION_ALREADY_EXISTS',
      `correction ${state.request.correctionId} already exists`,
      [{ field: 'correctionId', code: 'already-used', message: 'is already used' }],
    );
  }
  const check = new Check();
  const correctionId = checkUuid(check, 'correctionId', data.correctionId);
  const target = checkTarget(check, data.target);
  const justification = check.text(
    'justification',
    data.justification,
    CORRECTION_LIMITS.justification,
    { letters: true },
  );
  const requester = checkNationalId(check, 'requester', data.requester);
  check.rejectIfAny('RequestCorrection');
  if (!mayRequest(requester, data.target)) {
    throw new DomainRejection<RegistryRejectionCode>(
      'NOT_DATA_SUBJECT',
      `the requester may not ask to correct ${data.target.register} record ${target.recordId}`,
      [
        {
          field: 'requester',
          code: 'not-data-subject',
          message: 'is not the data subject of the record',
        },
      ],
    );
  }
  return [
    { type: 'CorrectionRequested', data: { correctionId, target, justification, requester } },
  ];
}

/** A person corrects their own record; a business's record is corrected by its managers. */
function mayRequest(requester: NationalId, target: CorrectionTargetInput): boolean {
  switch (target.register) {
    case 'persons':
      return target.recordId.trim() === requester;
    case 'businesses':
      return target.currentManagers.some((manager) => manager.trim() === requester);
    default:
      return assertNever(target, 'correction target');
  }
}

function checkTarget(check: Check, raw: CorrectionTargetInput): CorrectionTarget {
  switch (raw.register) {
    case 'persons':
      return {
        register: raw.register,
        recordId: checkNationalId(check, 'target.recordId', raw.recordId),
        correction: checkPersonCorrection(check, 'target.correction', raw.correction),
      };
    case 'businesses': {
      const recordId = raw.recordId.trim();
      if (!isBusinessNumber(recordId)) {
        check.add(
          'target.recordId',
          'invalid-business-number',
          'must be a business number (B followed by 1 to 6 digits)',
        );
      }
      return {
        register: raw.register,
        recordId: recordId as BusinessNumber,
        correction: checkBusinessCorrection(check, 'target.correction', raw.correction),
      };
    }
    default: {
      // The never check; a register that bypassed the types is a violation, not a crash.
      const unknownRegister: never = raw;
      check.add('target.register', 'not-allowed', `must be one of ${REGISTER_NAMES.join(', ')}`);
      return unknownRegister;
    }
  }
}

function acceptCorrection({ data }: AcceptCorrection, state: CorrectionState): CorrectionEvent[] {
  const requested = requestedState(state);
  const registrar = checkRegistrar(data.registrar, requested.request);
  if (requested.status === 'ACCEPTED') return [];
  if (requested.status === 'REJECTED') throw alreadyDecided(requested);
  const { correctionId, target, requester } = requested.request;
  return [
    {
      type: 'CorrectionAccepted',
      data: { correctionId, target, requester, acceptedBy: registrar.registrarId },
    },
  ];
}

function rejectCorrection({ data }: RejectCorrection, state: CorrectionState): CorrectionEvent[] {
  const requested = requestedState(state);
  const check = new Check();
  const reason = check.text('reason', data.reason, CORRECTION_LIMITS.reason, { letters: true });
  check.rejectIfAny('RejectCorrection');
  const registrar = checkRegistrar(data.registrar, requested.request);
  if (requested.status === 'REJECTED') return [];
  if (requested.status === 'ACCEPTED') throw alreadyDecided(requested);
  const { correctionId, target, requester } = requested.request;
  return [
    {
      type: 'CorrectionRejected',
      data: {
        correctionId,
        register: target.register,
        recordId: target.recordId,
        field: target.correction.field,
        requester,
        rejectedBy: registrar.registrarId,
        reason,
      },
    },
  ];
}

function communicateCorrection(
  { data, metadata }: CommunicateCorrection,
  state: CorrectionState,
): CorrectionEvent[] {
  const requested = requestedState(state);
  if (requested.status !== 'ACCEPTED') {
    throw new DomainRejection<RegistryRejectionCode>(
      'CORRECTION_NOT_ACCEPTED',
      `correction ${requested.request.correctionId} is ${requested.status}, not accepted`,
      [{ field: 'correctionId', code: 'not-accepted', message: `is ${requested.status}` }],
    );
  }
  if (requested.communication !== null) return [];
  const { correctionId, target } = requested.request;
  // A business's record has no access log: nobody is known to have received the old value.
  if (target.register !== 'persons') return [];
  return [
    {
      type: 'CorrectionCommunicated',
      data: {
        correctionId,
        register: 'persons',
        recordId: target.recordId,
        field: target.correction.field,
        recipients: correctionRecipients(
          target.correction.field,
          data.accessLog,
          data.acceptedAt,
          data.noticeIdOf,
        ),
        communicatedAt: metadata.now,
      },
    },
  ];
}

/**
 * Only a registrar of the record's register decides, and never on their own request or their
 * own record (four eyes).
 */
function checkRegistrar(raw: Registrar, request: CorrectionRequest): Registrar {
  const check = new Check();
  const registrarId = check.text(
    'registrar.registrarId',
    raw.registrarId,
    CORRECTION_LIMITS.registrarId,
  );
  const nationalId = checkNationalId(check, 'registrar.nationalId', raw.nationalId);
  const register = check.oneOf('registrar.register', raw.register, REGISTER_NAMES);
  check.rejectIfAny('registrar');
  if (register !== request.target.register) {
    throw new DomainRejection<RegistryRejectionCode>(
      'NOT_REGISTRAR_OF_REGISTER',
      `a registrar of ${register} cannot decide on a ${request.target.register} record`,
      [
        {
          field: 'registrar.register',
          code: 'wrong-register',
          message: `must be ${request.target.register}`,
        },
      ],
    );
  }
  if (nationalId === request.requester || nationalId === request.target.recordId) {
    throw new DomainRejection<RegistryRejectionCode>(
      'CONFLICT_OF_INTEREST',
      'a registrar cannot decide on their own request or their own record',
      [
        {
          field: 'registrar.nationalId',
          code: 'conflict-of-interest',
          message: 'is the requester or the data subject',
        },
      ],
    );
  }
  return { registrarId, nationalId, register };
}

function requestedState(state: CorrectionState): Requested {
  if (state.status === 'NOT_REQUESTED') {
    throw new DomainRejection<RegistryRejectionCode>(
      'CORRECTION_NOT_FOUND',
      'no such correction request',
      [{ field: 'correctionId', code: 'not-found', message: 'is not a correction request' }],
    );
  }
  return state;
}

function alreadyDecided(state: Requested): DomainRejection<RegistryRejectionCode> {
  return new DomainRejection<RegistryRejectionCode>(
    'CORRECTION_ALREADY_DECIDED',
    `correction ${state.request.correctionId} is already ${state.status}`,
    [{ field: 'correctionId', code: 'already-decided', message: `is already ${state.status}` }],
  );
}

/** Folds one event into the state; total, like the record deciders' `evolve`. */
export function evolveCorrection(state: CorrectionState, event: CorrectionEvent): CorrectionState {
  switch (event.type) {
    case 'CorrectionRequested':
      if (state.status !== 'NOT_REQUESTED') return state;
      return { status: 'REQUESTED', request: { ...event.data } };
    case 'CorrectionAccepted':
      if (state.status !== 'REQUESTED') return state;
      return {
        status: 'ACCEPTED',
        request: state.request,
        acceptedBy: event.data.acceptedBy,
        communication: null,
      };
    case 'CorrectionRejected':
      if (state.status !== 'REQUESTED') return state;
      return {
        status: 'REJECTED',
        request: state.request,
        rejectedBy: event.data.rejectedBy,
        reason: event.data.reason,
      };
    case 'CorrectionCommunicated':
      if (state.status !== 'ACCEPTED' || state.communication !== null) return state;
      return {
        ...state,
        communication: {
          recipients: event.data.recipients,
          communicatedAt: event.data.communicatedAt,
        },
      };
    default:
      return assertNever(event, 'correction event');
  }
}

/** Correction requests as a decider: one stream per request, its id the correction id. */
export const correctionDecider: Decider<CorrectionCommand, CorrectionEvent, CorrectionState> = {
  decide: decideCorrection,
  evolve: evolveCorrection,
  // Shared by every load: states are immutable values.
  initialState: initialCorrectionState(),
};
