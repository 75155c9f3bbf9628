import type { AppendMetadata, NewEvent } from '@gov/platform-event-sourcing';

/** An access event that could not join the log when it happened, with what its append needs. */
export interface SiteAccessEntry {
  /** The access stream it belongs to (`access-<national id>`). */
  readonly streamId: string;
  /** The event, with its id fixed: joining it later can never make two of it. */
  readonly event: NewEvent & { readonly eventId: string };
  readonly metadata: AppendMetadata;
}

/**
 * Reads of personal data on a site that cannot append to the replicated log (a replica: the data
 * embassy; a site fenced for a failover). A lawful read there is served, not refused, and never
 * unaudited: its access event is kept in this site's own table, fail closed (if it cannot be
 * kept, the data is not returned), and joins the log, with its original id and time, as soon as
 * the site can append (its promotion; or start, on a primary).
 */
export interface SiteAccessLog {
  /** Keeps `entry` until the site can append it. */
  record(entry: SiteAccessEntry): Promise<void>;
}
