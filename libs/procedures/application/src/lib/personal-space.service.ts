import { KeyRing, SubjectErasedError } from '@gov/platform-data-protection';
import type { SubjectKeyStore, SubjectKeys } from '@gov/platform-data-protection';
import { handleCommand } from '@gov/platform-event-sourcing';
import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import { personalSpaceDecider } from '@gov/procedures-domain';
import type { PersonalItem } from '@gov/procedures-domain';

import { personalSpaceCodecWith } from './codecs';
import { appendMetadata, requireCitizen } from './context';
import type { Clock, RequestContext } from './context';
import { streamIds } from './streams';

/** A person's personal space: the current items and every change, oldest first. */
export interface PersonalSpaceView {
  readonly items: Partial<Record<PersonalItem, string>>;
  readonly history: readonly {
    readonly item: PersonalItem;
    /** `null`: cleared. */
    readonly value: string | null;
    readonly at: string;
    readonly version: number;
  }[];
  readonly version: number;
}

/**
 * The personal space: data a person adds for reuse (bank account, phone, e-mail), kept as
 * events with history, each value sealed under the person's key. Read from the log (never from
 * a table), so that an erased person's values are gone with their key.
 */
export class PersonalSpaceService {
  constructor(
    private readonly store: EventStore,
    private readonly keyStore: SubjectKeyStore,
    private readonly clock: Clock,
  ) {}

  /**
   * The person sets an item (the same value again changes nothing).
   *
   * @throws `SubjectErasedError` (410) once the person was erased.
   */
  async set(context: RequestContext, item: PersonalItem, value: string) {
    const citizen = requireCitizen(context.principal, 'keep a personal space');
    const keys = await KeyRing.forWriting(this.keyStore, [citizen.subject]);
    const result = await handleCommand(
      this.store,
      { decider: personalSpaceDecider, codec: personalSpaceCodecWith(keys) },
      streamIds.personalSpace(citizen.subject),
      {
        type: 'SetPersonalItem',
        data: { subject: citizen.subject, by: citizen.subject, item, value },
        metadata: { now: this.clock.now() },
      },
      { metadata: appendMetadata(context) },
    );
    return { changed: result.appended.length > 0, version: result.streamVersion };
  }

  /**
   * The person removes an item (nothing to remove changes nothing).
   *
   * @throws `SubjectErasedError` (410) once the person was erased.
   */
  async clear(context: RequestContext, item: PersonalItem) {
    const citizen = requireCitizen(context.principal, 'keep a personal space');
    const keys = await KeyRing.forWriting(this.keyStore, [citizen.subject]);
    const result = await handleCommand(
      this.store,
      { decider: personalSpaceDecider, codec: personalSpaceCodecWith(keys) },
      streamIds.personalSpace(citizen.subject),
      {
        type: 'ClearPersonalItem',
        data: { subject: citizen.subject, by: citizen.subject, item },
        metadata: { now: this.clock.now() },
      },
      { metadata: appendMetadata(context) },
    );
    return { changed: result.appended.length > 0, version: result.streamVersion };
  }

  /**
   * The person's own space, with its history from the log.
   *
   * @throws `SubjectErasedError` (410) once the person was erased: their space is gone;
   *   `KeyUnavailableError` (503) on a site their key has not reached yet.
   */
  async read(context: RequestContext): Promise<PersonalSpaceView> {
    const citizen = requireCitizen(context.principal, 'read their personal space');
    const state = await this.keyStore.stateOf(citizen.subject);
    if (state?.state === 'destroyed') {
      throw new SubjectErasedError(citizen.subject, state.destroyedAt);
    }
    const events = await this.store.readStream(streamIds.personalSpace(citizen.subject));
    const codec = personalSpaceCodecWith(await KeyRing.forReading(this.keyStore, keyIdsOf(events)));
    const current = new Map<PersonalItem, string>();
    const history = events.map((recorded) => {
      const event = codec.decode(recorded);
      if (event.type === 'PersonalItemSet') current.set(event.data.item, event.data.value);
      else current.delete(event.data.item);
      return {
        item: event.data.item,
        value: event.type === 'PersonalItemSet' ? event.data.value : null,
        at: recorded.occurredAt.toISOString(),
        version: recorded.streamVersion,
      };
    });
    return {
      items: Object.fromEntries(current),
      history,
      version: events.at(-1)?.streamVersion ?? 0,
    };
  }

  /**
   * The current items of a person, for the prefill: folded from their stream, opened with
   * `keys` (the person's live key, loaded by the command).
   */
  async itemsOf(
    nationalId: string,
    keys: SubjectKeys,
  ): Promise<Partial<Record<PersonalItem, string>>> {
    const codec = personalSpaceCodecWith(keys);
    const events = await this.store.readStream(streamIds.personalSpace(nationalId));
    const items = new Map<PersonalItem, string>();
    for (const recorded of events) {
      const event = codec.decode(recorded);
      if (event.type === 'PersonalItemSet') items.set(event.data.item, event.data.value);
      else items.delete(event.data.item);
    }
    return Object.fromEntries(items);
  }
}

/** The key ids the personal values of `events` are sealed under. */
export function keyIdsOf(events: readonly RecordedEvent[]): string[] {
  return events.flatMap((event) =>
    event.dataSubjectKeyId === null ? [] : [event.dataSubjectKeyId],
  );
}
