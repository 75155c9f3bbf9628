import type { AppendMetadata, EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import { assertNever, correctRecordCommand } from '@gov/registry-domain';
import type { CorrectionAccepted, RegisterName } from '@gov/registry-domain';

import { correctionEventsCodec } from '../codecs/correction-events.codec';
import { businesses, corrections, execute, load, persons } from '../commands';
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

/**
 * The `CorrectionAccepted` event of an accepted request, decoded and as recorded: from
 * `appended` (what a command just appended) when given, else from the request's stream.
 */
export async function acceptanceOf(
  store: EventStore,
  correctionId: string,
  appended: readonly RecordedEvent[] = [],
): Promise<{ event: CorrectionAccepted; recorded: RecordedEvent }> {
  const candidates =
    appended.length > 0
      ? appended
      : (await load(store, corrections, streamIds.correction(correctionId))).recorded;
  for (const recorded of candidates) {
    const event = correctionEventsCodec.decode(recorded);
    if (event.type === 'CorrectionAccepted') return { event, recorded };
  }
  throw new Error(`correction ${correctionId} is accepted but has no CorrectionAccepted event`);
}
