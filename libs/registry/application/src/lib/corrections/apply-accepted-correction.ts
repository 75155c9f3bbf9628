import { createHash } from 'node:crypto';

import { CorrectionAcceptedSchema } from '@gov/contracts';
import { SubjectErasedError } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import type { AppendMetadata, EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import { assertNever, correctRecordCommand } from '@gov/registry-domain';
import type { CorrectionAccepted, RecordedRead, RegisterName } from '@gov/registry-domain';

import { accessEventsCodec } from '../codecs/access-events.codec';
import { correctionEventsCodec } from '../codecs/correction-events.codec';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import { correctionIdOfPersonRecordCorrected } from '../codecs/person-events.codec';
import {
  businesses,
  corrections,
  execute,
  keysOfRecord,
  keysToRead,
  keysToWrite,
  persons,
} from '../commands';
import { streamIds } from '../streams';

/** The record a correction changed, and its version afterwards. */
export interface CorrectedRecord {
  readonly register: RegisterName;
  readonly recordId: string;
  readonly version: number;
  /** `false` when the correction was already in the record (a repeat), or it was erased. */
  readonly changed: boolean;
  /** The person's data was erased: the correction no longer applies to anything. */
  readonly erased: boolean;
}

/** An acceptance as recorded: the decoded event and its envelope. */
export interface RecordedAcceptance {
  readonly event: CorrectionAccepted;
  readonly recorded: RecordedEvent;
}

/** What {@link completeAcceptedCorrection} did. */
export interface CompletedCorrection {
  readonly record: CorrectedRecord;
  /** The request stream's version afterwards (it moves when the communication is appended). */
  readonly correctionVersion: number;
}

/**
 * Everything that follows an acceptance, in order, each step idempotent so that the whole can
 * be run again after any crash: the record change ({@link applyAcceptedCorrection}, caused by
 * the acceptance), then, for a person's record, its communication to the organisations that
 * had the old value ({@link communicateCorrection}, caused by the record's
 * `PersonRecordCorrected`). `causedBy` gives the append metadata for a causation id.
 */
export async function completeAcceptedCorrection(
  store: EventStore,
  keyStore: SubjectKeyStore,
  accepted: RecordedAcceptance,
  now: Date,
  causedBy: (causationId: string) => AppendMetadata,
): Promise<CompletedCorrection> {
  const record = await applyAcceptedCorrection(
    store,
    keyStore,
    accepted.event,
    now,
    causedBy(accepted.recorded.eventId),
  );
  const { target, correctionId } = accepted.event.data;
  if (target.register !== 'persons' || record.erased) {
    return { record, correctionVersion: accepted.recorded.streamVersion };
  }
  const recordEventId = await recordCorrectedEventId(
    store,
    streamIds.person(target.recordId),
    correctionId,
  );
  const communicated = await communicateCorrection(
    store,
    keyStore,
    accepted,
    now,
    causedBy(recordEventId),
  );
  return { record, correctionVersion: communicated };
}

/**
 * The third step of accepting a correction of a person's record (GDPR Art. 19): the
 * `CommunicateCorrection` command on the request's stream, with the person's access log as it
 * stands and the acceptance's time (`recordedAt` of `CorrectionAccepted`, which the requester
 * sees as the decision's time) as its lookups. A read counts if its `accessedAt` is before that
 * time: a read served on the embassy while it was a replica joins the log later but with its
 * own time, and counts by it. The decider ignores a repeat, so this runs again at will.
 * Resolves with the request stream's version afterwards.
 */
export async function communicateCorrection(
  store: EventStore,
  keyStore: SubjectKeyStore,
  accepted: RecordedAcceptance,
  now: Date,
  metadata: AppendMetadata,
): Promise<number> {
  const { correctionId, target } = accepted.event.data;
  const accessLog: RecordedRead[] = (await store.readStream(streamIds.access(target.recordId))).map(
    (recorded) => accessEventsCodec.decode(recorded, NO_PERSONAL_DATA).data,
  );
  const result = await execute(
    store,
    corrections,
    streamIds.correction(correctionId),
    {
      type: 'CommunicateCorrection',
      data: {
        correctionId,
        acceptedAt: accepted.recorded.recordedAt,
        accessLog,
        noticeIdOf: (organisationId) => noticeIdFor(correctionId, organisationId),
      },
      metadata: { now },
    },
    // The request's events are sealed under the person's key: it opens them to decide.
    { metadata, keys: await keysOfRecord(keyStore, target.register, target.recordId) },
  );
  return result.streamVersion;
}

/** Namespace of the notice ids (a random UUID, fixed forever: changing it changes every id). */
const NOTICE_ID_NAMESPACE = 'a5f4d1c2-7b3e-4e8a-9c60-2f1d0b9e8a71';

/**
 * The id of the `CorrectionNotice` of correction `correctionId` to `organisationId`: a UUID
 * version 5 (RFC 9562, SHA-1) of both in a namespace of the registry's, so that deciding the
 * communication again, after a crash or on a retry, names the same notice.
 */
export function noticeIdFor(correctionId: string, organisationId: string): string {
  return uuidV5(NOTICE_ID_NAMESPACE, `${correctionId}/${organisationId}`);
}

/** A name-based UUID, version 5 (RFC 9562 §5.5): SHA-1 of the namespace's bytes and the name. */
export function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = 0x50 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of the person's `PersonRecordCorrected` event of `correctionId` (it must be there),
 * found by the correction id, which is not sealed.
 */
async function recordCorrectedEventId(
  store: EventStore,
  streamId: string,
  correctionId: string,
): Promise<string> {
  const recorded = await store.readStream(streamId);
  // From the end: the correction is usually the record's latest event.
  for (let i = recorded.length - 1; i >= 0; i -= 1) {
    const event = recorded[i];
    if (event === undefined || !event.eventType.endsWith('PersonRecordCorrected')) continue;
    if (correctionIdOfPersonRecordCorrected(event) === correctionId) return event.eventId;
  }
  throw new Error(`record ${streamId} has no event of correction ${correctionId}`);
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
  keyStore: SubjectKeyStore,
  accepted: CorrectionAccepted,
  now: Date,
  metadata: AppendMetadata,
): Promise<CorrectedRecord> {
  const command = correctRecordCommand(accepted, now);
  switch (command.type) {
    case 'CorrectPersonRecord': {
      const streamId = streamIds.person(command.data.nationalId);
      let keys;
      try {
        keys = await keysToWrite(keyStore, command.data.nationalId);
      } catch (error) {
        if (!(error instanceof SubjectErasedError)) throw error;
        // An erased record takes no correction: there is nothing left to correct.
        const recorded = await store.readStream(streamId);
        return {
          register: 'persons',
          recordId: command.data.nationalId,
          version: recorded.at(-1)?.streamVersion ?? 0,
          changed: false,
          erased: true,
        };
      }
      const result = await execute(store, persons, streamId, command, { metadata, keys });
      return {
        register: 'persons',
        recordId: command.data.nationalId,
        version: result.streamVersion,
        changed: result.events.length > 0,
        erased: false,
      };
    }
    case 'CorrectBusinessRecord': {
      const result = await execute(
        store,
        businesses,
        streamIds.business(command.data.businessNumber),
        command,
        { metadata, keys: NO_PERSONAL_DATA },
      );
      return {
        register: 'businesses',
        recordId: command.data.businessNumber,
        version: result.streamVersion,
        changed: result.events.length > 0,
        erased: false,
      };
    }
    default:
      return assertNever(command, 'record correction command');
  }
}

/**
 * The `CorrectionAccepted` event of an accepted request, decoded (its value opened with the
 * keys this site has) and as recorded: from `appended` (what a command just appended) when
 * given, else from the request's stream.
 *
 * @throws `SubjectErasedError` when the person of the record was erased since.
 */
export async function acceptanceOf(
  store: Pick<EventStore, 'readStream'>,
  keyStore: SubjectKeyStore,
  correctionId: string,
  appended: readonly RecordedEvent[] = [],
): Promise<RecordedAcceptance> {
  const candidates =
    appended.length > 0 ? appended : await store.readStream(streamIds.correction(correctionId));
  const recorded = candidates.find(
    (candidate) => candidate.eventType === CorrectionAcceptedSchema.typeName,
  );
  if (recorded !== undefined) {
    const event = correctionEventsCodec.decode(recorded, await keysToRead(keyStore, [recorded]));
    if (event.type === 'CorrectionAccepted') return { event, recorded };
  }
  throw new Error(`correction ${correctionId} is accepted but has no CorrectionAccepted event`);
}
