/** One site's progress on a service's log. */
export interface LogProgress {
  /** The gapless head. */
  readonly head: bigint;
  /** When the event at `head` was recorded on the primary; `null` for an empty log. */
  readonly headRecordedAt: Date | null;
}

/** How far the embassy is behind the primary on one service's log. */
export interface Lag {
  /** Events the primary holds and the embassy does not yet; 0 when caught up (or ahead). */
  readonly events: number;
  /**
   * The span of writes not yet at the embassy: when the primary recorded its head event minus
   * when it recorded the embassy's head event. 0 when caught up; `null` when the embassy holds
   * nothing yet (the span has no known start).
   */
  readonly ms: number | null;
}

/**
 * The embassy's lag behind the primary. Both figures are taken on the primary's clock (the
 * recording times travel with the events), so the two sites' clocks do not enter into it. An
 * embassy ahead of the primary (after a failover) counts as caught up.
 */
export function computeLag(primary: LogProgress, embassy: LogProgress): Lag {
  const behind = primary.head - embassy.head;
  if (behind <= 0n) return { events: 0, ms: 0 };
  const events = Number(behind);
  if (primary.headRecordedAt === null || embassy.headRecordedAt === null) {
    return { events, ms: null };
  }
  return {
    events,
    ms: Math.max(0, primary.headRecordedAt.getTime() - embassy.headRecordedAt.getTime()),
  };
}
