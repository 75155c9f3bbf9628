import type { AppendMetadata, EventStore } from '@gov/platform-event-sourcing';
import { assertNever, correctRecordCommand } from '@gov/registry-domain';
import type { CorrectionAccepted, RegisterName } from '@gov/registry-domain';

import { businesses, execute, persons } from '../commands';
import { streamIds } from '../streams';

/** The record a correction changed, and its version afterwards. */
export interface CorrectedRecord {
  readonly register: RegisterName;
  readonly recordId: string;
  readonly version: number;
  /** `false` when the correction was already in the record (a repeat). */
  readonly changed: boolean;
}

/**
 * The second step of accepting a correction: the record's own correct command, decided by the
 * record's decider on the record's stream, with the `CorrectionAccepted` event as its cause
 * (`metadata.causationId`). The record deciders never refuse an accepted correction and ignore
 * one they applied already, so this is run after every acceptance, again by the corrections
 * projector for each `CorrectionAccepted` in the log (which covers a crash between the two
 * appends), and by a retried request: at least once in all, to the same effect.
 */
export async function applyAcceptedCorrection(
  store: EventStore,
  accepted: CorrectionAccepted,
  now: Date,
  metadata: AppendMetadata,
): Promise<CorrectedRecord> {
  const command = correctRecordCommand(accepted, now);
  switch (command.type) {
    case 'CorrectPersonRecord': {
      const result = await execute(
        store,
        persons,
        streamIds.person(command.data.nationalId),
        command,
        { metadata },
      );
      return {
        register: 'persons',
        recordId: command.data.nationalId,
        version: result.streamVersion,
        changed: result.events.length > 0,
      };
    }
    case 'CorrectBusinessRecord': {
      const result = await execute(
        store,
        businesses,
        streamIds.business(command.data.businessNumber),
        command,
        { metadata },
      );
      return {
        register: 'businesses',
        recordId: command.data.businessNumber,
        version: result.streamVersion,
        changed: result.events.length > 0,
      };
    }
    default:
      return assertNever(command, 'record correction command');
  }
}
