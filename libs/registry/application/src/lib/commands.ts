import { createHash } from 'node:crypto';

import { KeyRing } from '@gov/platform-data-protection';
import type { SubjectKeyStore, SubjectKeys } from '@gov/platform-data-protection';
import type { Decider } from '@gov/platform-decider';
import { ConcurrencyError, handleCommand } from '@gov/platform-event-sourcing';
import type {
  AppendMetadata,
  CommandResult,
  EventStore,
  RecordedEvent,
} from '@gov/platform-event-sourcing';
import { businessDecider, correctionDecider, personDecider } from '@gov/registry-domain';
import type {
  BusinessCommand,
  BusinessEvent,
  BusinessState,
  CommandMetadata,
  CorrectionCommand,
  CorrectionEvent,
  CorrectionState,
  PersonCommand,
  PersonEvent,
  PersonState,
  RegisterName,
} from '@gov/registry-domain';

import { businessEventsCodec } from './codecs/business-events.codec';
import { correctionEventsCodec } from './codecs/correction-events.codec';
import { NO_PERSONAL_DATA, codecAt } from './codecs/payload';
import type { PayloadCodec } from './codecs/payload';
import { personEventsCodec } from './codecs/person-events.codec';
import type { IdempotencySeed } from './context';

/** One kind of stream: its decider (in the platform's shape) and its payload codec. */
export interface RegistryAggregate<Command, Event, State> {
  readonly name: string;
  readonly decider: Decider<Command, Event, State>;
  readonly codec: PayloadCodec<Event>;
}

export const persons: RegistryAggregate<PersonCommand, PersonEvent, PersonState> = {
  name: 'person',
  decider: personDecider,
  codec: personEventsCodec,
};
export const businesses: RegistryAggregate<BusinessCommand, BusinessEvent, BusinessState> = {
  name: 'business',
  decider: businessDecider,
  codec: businessEventsCodec,
};
export const corrections: RegistryAggregate<CorrectionCommand, CorrectionEvent, CorrectionState> = {
  name: 'correction',
  decider: correctionDecider,
  codec: correctionEventsCodec,
};

/** A stream's events with their domain events, and the state and version they fold into. */
export interface LoadedStream<Event, State> {
  readonly recorded: readonly RecordedEvent[];
  readonly events: readonly Event[];
  readonly state: State;
  readonly version: number;
}

/**
 * Folds `recorded` (a stream, or a prefix of it) into its state, opening personal data with
 * `keys` (see {@link keysToRead}).
 */
export function fold<Command, Event, State>(
  of: RegistryAggregate<Command, Event, State>,
  recorded: readonly RecordedEvent[],
  keys: SubjectKeys,
): LoadedStream<Event, State> {
  const events = recorded.map((event) => of.codec.decode(event, keys));
  return {
    recorded,
    events,
    state: events.reduce(
      (state, event) => of.decider.evolve(state, event),
      of.decider.initialState,
    ),
    version: recorded.at(-1)?.streamVersion ?? 0,
  };
}

/**
 * The keys that open the personal data of `recorded`, as this site knows them: none to look up
 * for events without personal data. Nothing is created.
 */
export function keysToRead(
  keyStore: SubjectKeyStore,
  recorded: readonly RecordedEvent[],
): Promise<KeyRing> {
  return KeyRing.forReading(
    keyStore,
    recorded.flatMap((event) => (event.dataSubjectKeyId === null ? [] : [event.dataSubjectKeyId])),
  );
}

/**
 * The live key of `subjectId` (created on first use), to open and seal the personal data of
 * their stream in a command.
 *
 * @throws `SubjectErasedError` when their key was destroyed (their data is erased).
 */
export function keysToWrite(keyStore: SubjectKeyStore, subjectId: string): Promise<KeyRing> {
  return KeyRing.forWriting(keyStore, [subjectId]);
}

/**
 * The keys of a correction of a record: a person's record is sealed under the person's live
 * key (which also opens the request's earlier events); a business's is in clear.
 *
 * @throws `SubjectErasedError` when the person's key was destroyed (their data is erased).
 */
export function keysOfRecord(
  keyStore: SubjectKeyStore,
  register: RegisterName,
  recordId: string,
): Promise<SubjectKeys> {
  return register === 'persons'
    ? keysToWrite(keyStore, recordId)
    : Promise.resolve(NO_PERSONAL_DATA);
}

/**
 * Reads and folds a stream, opening its personal data with the keys this site has in
 * `keyStore`; a stream without personal data (a business, a correction) needs none.
 */
export async function load<Command, Event, State>(
  store: EventStore,
  of: RegistryAggregate<Command, Event, State>,
  streamId: string,
  keyStore?: SubjectKeyStore,
): Promise<LoadedStream<Event, State>> {
  const recorded = await store.readStream(streamId);
  return fold(
    of,
    recorded,
    keyStore === undefined ? KeyRing.EMPTY : await keysToRead(keyStore, recorded),
  );
}

/**
 * Runs a command on an existing stream: load, decide, append expecting the version loaded
 * (see `handleCommand`). With `expectedVersion` (the client's `If-Match`) a stream at another
 * version fails with an `ExpectedVersionMismatchError` (412) and nothing is appended. Rejections
 * and store errors propagate as they are; the chassis answers them.
 */
export function execute<Command extends { readonly metadata: CommandMetadata }, Event, State>(
  store: EventStore,
  of: RegistryAggregate<Command, Event, State>,
  streamId: string,
  command: Command,
  options: {
    readonly expectedVersion?: number;
    readonly metadata: AppendMetadata;
    /** Opens the stream's personal data and seals the new events' (its subject's live key). */
    readonly keys: SubjectKeys;
  },
): Promise<CommandResult<Event, State>> {
  return handleCommand(
    store,
    { decider: of.decider, codec: codecAt(of.codec, command.metadata.now, options.keys) },
    streamId,
    command,
    {
      metadata: options.metadata,
      ...(options.expectedVersion === undefined
        ? {}
        : { expectedVersion: options.expectedVersion }),
    },
  );
}

/** The outcome of {@link create}. */
export type CreateOutcome<State> =
  | { readonly created: true; readonly state: State; readonly appended: readonly RecordedEvent[] }
  /** A stream with this id exists already (another request took the number first). */
  | { readonly created: false };

/**
 * Starts a new stream with the events `command` decides on an empty one, appended expecting
 * version 0 (no load: a new record's stream is new unless a concurrent request took its id).
 * A rejection propagates as it is; an existing stream comes out as `{ created: false }`, for the
 * caller to pick another id.
 *
 * With an idempotency seed the event ids are derived from it (see {@link eventIdsFor}), so a
 * creation that is carried out a second time after its first answer was lost fails with a
 * duplicate event id (409) instead of creating a second record.
 */
export async function create<Command extends { readonly metadata: CommandMetadata }, Event, State>(
  store: EventStore,
  of: RegistryAggregate<Command, Event, State>,
  streamId: string,
  command: Command,
  options: {
    readonly metadata: AppendMetadata;
    readonly idempotency?: IdempotencySeed;
    /** Seals the new events' personal data (its subject's live key). */
    readonly keys: SubjectKeys;
  },
): Promise<CreateOutcome<State>> {
  const events = of.decider.decide(command, of.decider.initialState);
  if (events.length === 0) {
    throw new Error(`a ${of.name} creation decided no events`);
  }
  const ids = options.idempotency ? eventIdsFor(options.idempotency) : undefined;
  const stored = events.map((event, i) => {
    const encoded = of.codec.encode(event, command.metadata.now, options.keys);
    return ids ? { ...encoded, eventId: ids(i) } : encoded;
  });
  try {
    const result = await store.append(streamId, 0, stored, options.metadata);
    return {
      created: true,
      state: events.reduce((s, e) => of.decider.evolve(s, e), of.decider.initialState),
      appended: result.events,
    } as const;
  } catch (error) {
    if (error instanceof ConcurrencyError) return { created: false } as const;
    throw error;
  }
}

/**
 * Event ids derived from an idempotency key: the same key gives the same ids, so the store's
 * unique event id refuses a second execution of the same creation. Laid out like a UUIDv7
 * (48 bits of the key's first-seen time in milliseconds, then bits of a SHA-256 of the seed and
 * the event's index) so that the store's event id index stays append-mostly, as with the ids
 * the store generates itself.
 */
export function eventIdsFor(seed: IdempotencySeed): (index: number) => string {
  return (index) => {
    const bytes = Buffer.alloc(16);
    bytes.writeUIntBE(seed.firstSeenAt.getTime(), 0, 6);
    createHash('sha256').update(`${seed.seed}/${index}`).digest().copy(bytes, 6, 0, 10);
    bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
