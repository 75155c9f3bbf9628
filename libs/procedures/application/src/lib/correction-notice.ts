// The registry's public correction notices (registry.correction-notices.v1, a bare
// gov.registry.v1.CorrectionNotice per record) as the procedures service reads them.
import { fromBinary, toJson } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';

import { CorrectionNoticeSchema, PersonCorrectionSchema, Register } from '@gov/contracts';
import type { CorrectionNotice } from '@gov/procedures-domain';

/** A correction notice about one person's record, ready to be recorded on their cases. */
export interface ReceivedCorrectionNotice extends CorrectionNotice {
  /** The person's national identification number: whose cases it may concern. */
  readonly recordId: string;
}

/**
 * Why a record of the notices topic is no notice this service can act on: no retry changes it,
 * so the consumer dead-letters it.
 */
export class InvalidCorrectionNoticeError extends Error {
  override readonly name = 'InvalidCorrectionNoticeError';

  constructor(
    /** `undecodable`: the bytes are no CorrectionNotice; `invalid`: it breaks its contract. */
    readonly reason: 'undecodable' | 'invalid',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NATIONAL_ID = /^\d{13}$/;

/** `familyName` (the generated oneof case) → `family_name` (the registry's field name). */
const fieldName = (oneofCase: string): string =>
  oneofCase.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * Reads a record's value as a CorrectionNotice. `null` for a notice about a field this code
 * does not know (the contract adds cases of `corrected` compatibly: ignore them); the correct
 * value becomes JSON as protobuf's JSON mapping writes the field's value (a string for a name,
 * an object for an address or a place of birth, the enum's name for a sex marker).
 *
 * @throws {@link InvalidCorrectionNoticeError} for bytes that are not a CorrectionNotice, or a
 * notice that breaks its contract (no notice id or organisation, not about a person, no time).
 */
export function decodeCorrectionNotice(value: Uint8Array): ReceivedCorrectionNotice | null {
  let message;
  try {
    message = fromBinary(CorrectionNoticeSchema, value);
  } catch (error) {
    throw new InvalidCorrectionNoticeError(
      'undecodable',
      'the record is not a gov.registry.v1.CorrectionNotice',
      { cause: error },
    );
  }
  const problems = [
    message.noticeId === '' && 'notice_id is empty',
    message.organisationId === '' && 'organisation_id is empty',
    message.correctionId === '' && 'correction_id is empty',
    message.register !== Register.PERSONS && 'register is not REGISTER_PERSONS',
    !NATIONAL_ID.test(message.recordId) && 'record_id is not 13 digits',
    message.acceptedAt === undefined && 'accepted_at is missing',
    message.corrected === undefined && 'corrected is missing',
  ].filter((problem): problem is string => problem !== false);
  if (problems.length > 0 || message.acceptedAt === undefined || !message.corrected) {
    throw new InvalidCorrectionNoticeError(
      'invalid',
      `invalid CorrectionNotice: ${problems.join('; ')}`,
    );
  }
  const corrected = message.corrected.value;
  if (corrected.case === undefined) return null;
  const json = toJson(PersonCorrectionSchema, message.corrected) as Record<string, unknown>;
  return {
    noticeId: message.noticeId,
    correctionId: message.correctionId,
    organisationId: message.organisationId,
    recordId: message.recordId,
    field: fieldName(corrected.case),
    correctedValueJson: JSON.stringify(json[corrected.case] ?? null),
    acceptedAt: timestampDate(message.acceptedAt),
  };
}
