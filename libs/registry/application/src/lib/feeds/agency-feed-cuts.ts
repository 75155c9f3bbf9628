import { randomUUID } from 'node:crypto';

import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

import { AgencyFeedCutSchema } from '@gov/contracts';
import { ConcurrencyError } from '@gov/platform-event-sourcing';
import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import type { LegalBasisCatalogue } from '@gov/platform-legal-bases';

import { NO_PERSONAL_DATA, messageOf, payloadOf, unknownEventType } from '../codecs/payload';
import type { PayloadCodec } from '../codecs/payload';
import { required } from '../codecs/proto-values';
import { REGISTRY_ACTOR } from '../context';
import type { Clock } from '../ports';
import { streamIds } from '../streams';

/**
 * An agency's change feed was (re)cut (gov.registry.v1.AgencyFeedCut): from this event's log
 * position on, the feed carries `categories`, and it is re-sent once as it stands there. Not a
 * decision of any register: the application records it from the legal-basis catalogue.
 */
export interface AgencyFeedCut {
  readonly type: 'AgencyFeedCut';
  readonly data: {
    readonly organisationId: string;
    readonly legalBasisId: string;
    /** 1 for the organisation's first cut, one more for each later one. */
    readonly version: number;
    /** The categories the basis names, sorted, each once. */
    readonly categories: readonly string[];
    readonly cutAt: Date;
  };
}

/** The feed cuts' events as gov.registry.v1 payloads (no personal data). */
export const agencyFeedCutCodec: PayloadCodec<AgencyFeedCut> = {
  eventTypes: [AgencyFeedCutSchema.typeName],

  encode(event, occurredAt) {
    const { data } = event;
    return payloadOf(
      AgencyFeedCutSchema,
      create(AgencyFeedCutSchema, {
        organisationId: data.organisationId,
        legalBasisId: data.legalBasisId,
        version: data.version,
        categories: [...data.categories],
        cutAt: timestampFromDate(data.cutAt),
      }),
      occurredAt,
    );
  },

  decode(event) {
    const { eventType } = event;
    if (eventType !== AgencyFeedCutSchema.typeName) {
      throw unknownEventType(eventType, 'agency feed');
    }
    const message = messageOf(AgencyFeedCutSchema, event);
    return {
      type: 'AgencyFeedCut',
      data: {
        organisationId: message.organisationId,
        legalBasisId: message.legalBasisId,
        version: message.version,
        categories: [...message.categories],
        cutAt: timestampDate(required(message.cutAt, eventType, 'cut_at')),
      },
    };
  },
};

/** Whether `event` is an agency feed's cut (of any organisation). */
export function isAgencyFeedCut(event: Pick<RecordedEvent, 'eventType'>): boolean {
  return event.eventType === AgencyFeedCutSchema.typeName;
}

/** The categories of a cut as its event and `AgencyView` state them: sorted, each once. */
export function cutCategories(categories: Iterable<string>): string[] {
  return [...new Set(categories)].sort();
}

/** What {@link AgencyFeedCuts.record} did for one feed of the catalogue. */
export type FeedCutOutcome =
  | { readonly organisationId: string; readonly outcome: 'unchanged'; readonly version: number }
  | { readonly organisationId: string; readonly outcome: 'cut'; readonly cut: AgencyFeedCut };

/** How many times a cut is tried again after another instance appended to its stream. */
const CONFLICT_RETRIES = 3;

/**
 * The agencies' feed cuts in the registry's log, one stream per organisation
 * (`agency-feed-<organisation id>`). The registry records a new cut where its log is writable
 * (at start, on promotion) whenever the catalogue's feed differs from the latest cut; the feed
 * publishers read the cuts from the log, so a replica cuts exactly where the primary did.
 */
export class AgencyFeedCuts {
  constructor(
    private readonly store: Pick<EventStore, 'append' | 'readStream'>,
    private readonly clock: Clock,
  ) {}

  /** Every cut of `organisationId`'s feed, oldest first, each with its stored event. */
  async history(
    organisationId: string,
  ): Promise<{ readonly cut: AgencyFeedCut; readonly event: RecordedEvent }[]> {
    const events = await this.store.readStream(streamIds.agencyFeed(organisationId));
    return events.map((event) => ({
      cut: agencyFeedCutCodec.decode(event, NO_PERSONAL_DATA),
      event,
    }));
  }

  /**
   * Appends a cut for every feed of `catalogue` whose basis id or categories differ from its
   * latest recorded cut (version 1 for a feed never cut). Call only where the log is writable.
   * Another instance recording the same cut at the same moment is no failure: the stream's
   * expected version decides, and the loser finds the cut recorded.
   */
  async record(catalogue: LegalBasisCatalogue): Promise<FeedCutOutcome[]> {
    const outcomes: FeedCutOutcome[] = [];
    for (const feed of catalogue.feeds) {
      const basis = catalogue.legalBasis(feed.legalBasisId);
      // The catalogue refuses a feed on an unknown basis when it is loaded.
      if (basis === undefined)
        throw new Error(`feed of ${feed.organisationId}: no basis ${feed.legalBasisId}`);
      outcomes.push(
        await this.recordOne(
          feed.organisationId,
          feed.legalBasisId,
          cutCategories(basis.categories),
        ),
      );
    }
    return outcomes;
  }

  /**
   * The organisations of `catalogue` that have no feed in it but whose feed was cut before:
   * their feeds get nothing new (no publisher runs for them), which an operator should know.
   * Organisations no longer in the catalogue at all are not looked for.
   */
  async withoutFeed(catalogue: LegalBasisCatalogue): Promise<string[]> {
    const orphaned: string[] = [];
    for (const organisation of catalogue.organisations) {
      if (catalogue.feedOf(organisation.id) !== undefined) continue;
      const cuts = await this.store.readStream(streamIds.agencyFeed(organisation.id));
      if (cuts.length > 0) orphaned.push(organisation.id);
    }
    return orphaned;
  }

  private async recordOne(
    organisationId: string,
    legalBasisId: string,
    categories: readonly string[],
  ): Promise<FeedCutOutcome> {
    for (let attempt = 0; ; attempt += 1) {
      const history = await this.history(organisationId);
      const latest = history.at(-1)?.cut.data;
      if (
        latest !== undefined &&
        latest.legalBasisId === legalBasisId &&
        latest.categories.join('\n') === categories.join('\n')
      ) {
        return { organisationId, outcome: 'unchanged', version: latest.version };
      }
      const now = this.clock.now();
      const cut: AgencyFeedCut = {
        type: 'AgencyFeedCut',
        data: {
          organisationId,
          legalBasisId,
          version: (latest?.version ?? 0) + 1,
          categories,
          cutAt: now,
        },
      };
      try {
        await this.store.append(
          streamIds.agencyFeed(organisationId),
          history.length,
          [agencyFeedCutCodec.encode(cut, now, NO_PERSONAL_DATA)],
          { correlationId: randomUUID(), actor: REGISTRY_ACTOR },
        );
        return { organisationId, outcome: 'cut', cut };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }
}
