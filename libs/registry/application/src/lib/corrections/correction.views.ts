import type { RecordedEvent } from '@gov/platform-event-sourcing';
import type {
  CorrectionCommunication,
  CorrectionState,
  CorrectionStatus,
  RegisterName,
} from '@gov/registry-domain';

/** A correction request as the registry answers it to its requester and to registrars. */
export interface CorrectionView {
  readonly correctionId: string;
  readonly status: CorrectionStatus;
  readonly register: RegisterName;
  readonly recordId: string;
  /** The field to correct, as the record names it. */
  readonly field: string;
  /** The proposed value (the value of `field` in the record's shape). */
  readonly value: unknown;
  readonly justification: string;
  /** National identification number of the requester. */
  readonly requester: string;
  readonly requestedAt: Date;
  readonly decidedAt: Date | null;
  /** Staff id of the registrar who decided. */
  readonly decidedBy: string | null;
  /** Why it was rejected. */
  readonly reason: string | null;
  /**
   * For an accepted correction of a person's record: the organisations it was communicated to
   * because they had received the old value (GDPR Art. 19), by organisation id; empty when none
   * had. `null` while it is not communicated (not accepted yet, just accepted, or a business's
   * record, which is never communicated).
   */
  readonly communicatedTo: readonly CorrectionRecipientView[] | null;
  /** The version of the request's stream: its `ETag`. */
  readonly version: number;
}

/** An organisation an accepted correction was communicated to, and its read of the old value. */
export interface CorrectionRecipientView {
  readonly organisationId: string;
  /** When it last read the field before the acceptance. */
  readonly lastReceivedAt: Date;
  /** The purpose it declared for that read. */
  readonly purpose: string;
  /** What allowed that read: a legal provision or `consent/<artefact id>`. */
  readonly legalBasis: string;
  /** The procedure that read was made for, if any. */
  readonly procedureId: string | null;
  /** When the correction was communicated to it. */
  readonly communicatedAt: Date;
  /**
   * Until when the recipient is hidden from the person (every read of it was covert); only in a
   * registrar's view, `null` otherwise.
   */
  readonly sealedUntil: Date | null;
}

/** How a correction is shown to its reader. */
export interface CorrectionViewOptions {
  /**
   * The person's view: recipients sealed beyond this instant are left out. `undefined` for a
   * registrar of the register, who sees them all.
   */
  readonly sealedHiddenBefore?: Date | undefined;
}

/** The view of a requested (and possibly decided) correction, from its stream. */
export function correctionView(
  state: Exclude<CorrectionState, { status: 'NOT_REQUESTED' }>,
  recorded: readonly RecordedEvent[],
  options: CorrectionViewOptions = {},
): CorrectionView {
  const { request } = state;
  const requested = recorded[0];
  if (requested === undefined) throw new Error('a requested correction has no events');
  return {
    correctionId: request.correctionId,
    status: state.status,
    register: request.target.register,
    recordId: request.target.recordId,
    field: request.target.correction.field,
    value: request.target.correction.value,
    justification: request.justification,
    requester: request.requester,
    requestedAt: requested.recordedAt,
    decidedAt: state.status === 'REQUESTED' ? null : (recorded[1]?.recordedAt ?? null),
    decidedBy:
      state.status === 'ACCEPTED'
        ? state.acceptedBy
        : state.status === 'REJECTED'
          ? state.rejectedBy
          : null,
    reason: state.status === 'REJECTED' ? state.reason : null,
    communicatedTo:
      state.status === 'ACCEPTED' && state.communication !== null
        ? recipientViews(state.communication, options.sealedHiddenBefore)
        : null,
    version: recorded.at(-1)?.streamVersion ?? 0,
  };
}

function recipientViews(
  communication: CorrectionCommunication,
  sealedHiddenBefore: Date | undefined,
): CorrectionRecipientView[] {
  const forPerson = sealedHiddenBefore !== undefined;
  return communication.recipients
    .filter(
      (recipient) =>
        !forPerson ||
        recipient.sealedUntil === undefined ||
        recipient.sealedUntil.getTime() <= sealedHiddenBefore.getTime(),
    )
    .map((recipient) => ({
      organisationId: recipient.organisationId,
      lastReceivedAt: recipient.lastReceivedAt,
      purpose: recipient.purpose,
      legalBasis: recipient.legalBasis,
      procedureId: recipient.procedureId ?? null,
      communicatedAt: communication.communicatedAt,
      sealedUntil: forPerson ? null : (recipient.sealedUntil ?? null),
    }));
}
