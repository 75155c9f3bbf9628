import type { Command } from '../shared/messages';
import type { CorrectionTargetInput, Registrar } from './correction';
import type { RecordedRead } from './correction.communication';

/**
 * The data subject (a person for their own record, a manager for their business's record) asks
 * to correct one field of a record, with a justification. The application assigns the id.
 */
export type RequestCorrection = Command<
  'RequestCorrection',
  {
    /** A UUID the application assigns; also the stream id of the request. */
    readonly correctionId: string;
    readonly target: CorrectionTargetInput;
    /** Why the record is wrong, in the requester's words (and references to documents). */
    readonly justification: string;
    /** The national identification number of the authenticated person asking. */
    readonly requester: string;
  }
>;

/** A registrar of the record's register accepts the request. */
export type AcceptCorrection = Command<
  'AcceptCorrection',
  { readonly correctionId: string; readonly registrar: Registrar }
>;

/** A registrar of the record's register rejects the request, saying why. */
export type RejectCorrection = Command<
  'RejectCorrection',
  { readonly correctionId: string; readonly registrar: Registrar; readonly reason: string }
>;

/**
 * The registry communicates an accepted correction of a person's record to every organisation
 * that had received the corrected field (GDPR Art. 19). Run by the application after the record
 * change; a repeat, and a correction of a business's record (no access log), decide nothing.
 */
export type CommunicateCorrection = Command<
  'CommunicateCorrection',
  {
    readonly correctionId: string;
    /**
     * Lookups, made by the application: when the acceptance was recorded (the
     * `CorrectionAccepted` event's time), the person's access log as it stands, and the id of
     * the notice for an organisation (deterministic, so that a retry cannot mint another).
     */
    readonly acceptedAt: Date;
    readonly accessLog: readonly RecordedRead[];
    readonly noticeIdOf: (organisationId: string) => string;
  }
>;

/** Every command on a correction request. */
export type CorrectionCommand =
  RequestCorrection | AcceptCorrection | RejectCorrection | CommunicateCorrection;
