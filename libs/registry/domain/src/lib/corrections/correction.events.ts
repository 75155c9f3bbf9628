import type { NationalId } from '../national-id';
import type { Event } from '../shared/messages';
import type { RegisterName } from '../registers/registers';
import type { CorrectionTarget } from './correction';
import type { CorrectionRecipient } from './correction.communication';
import type { PersonCorrectableField } from '../registers/persons/person.corrections';

/** A data subject asked to correct a field of a record; the request awaits a registrar. */
export type CorrectionRequested = Event<
  'CorrectionRequested',
  {
    readonly correctionId: string;
    readonly target: CorrectionTarget;
    readonly justification: string;
    readonly requester: NationalId;
  }
>;

/**
 * A registrar accepted the request. Carries the target with its value and the requester, so the
 * record change and the notice to the requester follow from this event alone.
 */
export type CorrectionAccepted = Event<
  'CorrectionAccepted',
  {
    readonly correctionId: string;
    readonly target: CorrectionTarget;
    readonly requester: NationalId;
    /** The registrar's staff id. */
    readonly acceptedBy: string;
  }
>;

/**
 * A registrar rejected the request, with a reason for the requester. The record is unchanged,
 * so the rejected value is not repeated: only which field of which record.
 */
export type CorrectionRejected = Event<
  'CorrectionRejected',
  {
    readonly correctionId: string;
    readonly register: RegisterName;
    readonly recordId: string;
    readonly field: string;
    readonly requester: NationalId;
    /** The registrar's staff id. */
    readonly rejectedBy: string;
    readonly reason: string;
  }
>;

/**
 * An accepted correction of a person's record was communicated to the organisations that had
 * received the old value (none, when no one had: the requester is told so). At most one per
 * correction, after the record change.
 */
export type CorrectionCommunicated = Event<
  'CorrectionCommunicated',
  {
    readonly correctionId: string;
    readonly register: 'persons';
    readonly recordId: NationalId;
    readonly field: PersonCorrectableField;
    /** Each organisation once, ordered by organisation id. */
    readonly recipients: readonly CorrectionRecipient[];
    readonly communicatedAt: Date;
  }
>;

/** Every event of a correction request. */
export type CorrectionEvent =
  CorrectionRequested | CorrectionAccepted | CorrectionRejected | CorrectionCommunicated;
