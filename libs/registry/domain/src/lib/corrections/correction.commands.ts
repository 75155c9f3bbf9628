import type { Command } from '../shared/messages';
import type { CorrectionTargetInput, Registrar } from './correction';

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

/** Every command on a correction request. */
export type CorrectionCommand = RequestCorrection | AcceptCorrection | RejectCorrection;
