import { assertNever } from '../shared/messages';
import type { CorrectBusinessRecord } from '../registers/businesses/business.commands';
import type { CorrectPersonRecord } from '../registers/persons/person.commands';
import type { CorrectionAccepted } from './correction.events';

/**
 * What the application runs when a correction was accepted: the record command of the target's
 * register, on the record's stream, carrying the correction id. Pure, so a reactor can retry it
 * at will; the application sets the accepted event's id as the causation id of the append.
 */
export function correctRecordCommand(
  accepted: CorrectionAccepted,
  now: Date,
): CorrectPersonRecord | CorrectBusinessRecord {
  const { correctionId, target } = accepted.data;
  switch (target.register) {
    case 'persons':
      return {
        type: 'CorrectPersonRecord',
        data: { nationalId: target.recordId, correctionId, correction: target.correction },
        metadata: { now },
      };
    case 'businesses':
      return {
        type: 'CorrectBusinessRecord',
        data: { businessNumber: target.recordId, correctionId, correction: target.correction },
        metadata: { now },
      };
    default:
      return assertNever(target, 'correction target');
  }
}
