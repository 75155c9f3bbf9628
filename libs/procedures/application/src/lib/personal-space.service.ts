import type { DataSource } from 'typeorm';

import { handleCommand } from '@gov/platform-event-sourcing';
import type { EventStore } from '@gov/platform-event-sourcing';
import { personalSpaceDecider } from '@gov/procedures-domain';
import type { PersonalItem } from '@gov/procedures-domain';

import { personalSpaceCodec } from './codecs';
import { appendMetadata, requireCitizen } from './context';
import type { Clock, RequestContext } from './context';
import { PersonalItemEntity } from './schema';
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
 * events with history, and read by the prefill from this service's own tables.
 */
export class PersonalSpaceService {
  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** The person sets an item (the same value again changes nothing). */
  async set(context: RequestContext, item: PersonalItem, value: string) {
    const citizen = requireCitizen(context.principal, 'keep a personal space');
    const result = await handleCommand(
      this.store,
      { decider: personalSpaceDecider, codec: personalSpaceCodec },
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

  /** The person removes an item (nothing to remove changes nothing). */
  async clear(context: RequestContext, item: PersonalItem) {
    const citizen = requireCitizen(context.principal, 'keep a personal space');
    const result = await handleCommand(
      this.store,
      { decider: personalSpaceDecider, codec: personalSpaceCodec },
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

  /** The person's own space, with its history from the log. */
  async read(context: RequestContext): Promise<PersonalSpaceView> {
    const citizen = requireCitizen(context.principal, 'read their personal space');
    const events = await this.store.readStream(streamIds.personalSpace(citizen.subject));
    const current = new Map<PersonalItem, string>();
    const history = events.map((recorded) => {
      const event = personalSpaceCodec.decode(recorded);
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

  /** The current items of a person, for the prefill (this service's own read model). */
  async itemsOf(nationalId: string): Promise<Partial<Record<PersonalItem, string>>> {
    const rows = await this.dataSource.manager
      .getRepository(PersonalItemEntity)
      .find({ where: { subject: nationalId } });
    const items: Partial<Record<PersonalItem, string>> = {};
    for (const row of rows) {
      if (row.value !== null) items[row.item as PersonalItem] = row.value;
    }
    return items;
  }
}
