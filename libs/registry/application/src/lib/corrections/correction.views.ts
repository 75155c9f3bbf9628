import type { RecordedEvent } from '@gov/platform-event-sourcing';
import type { CorrectionState, CorrectionStatus, RegisterName } from '@gov/registry-domain';

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
  /** The version of the request's stream: its `ETag`. */
  readonly version: number;
}

/** The view of a requested (and possibly decided) correction, from its stream. */
export function correctionView(
  state: Exclude<CorrectionState, { status: 'NOT_REQUESTED' }>,
  recorded: readonly RecordedEvent[],
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
    version: recorded.at(-1)?.streamVersion ?? 0,
  };
}
