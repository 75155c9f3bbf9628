/** The prefix of the agency feed cuts' streams (`agency-feed-<organisation id>`). */
export const AGENCY_FEED_PREFIX = 'agency-feed-';

/**
 * The registry's stream ids, as gov.registry.v1 (events.proto) publishes them to consumers: a
 * record's stream is named by the record's id alone (a national identification number is 13
 * digits, a business number starts with `B`, so they never collide), a correction request's and
 * a person's access log by a prefix and an id. The stream id is also the Kafka key.
 */
export const streamIds = {
  /** The record of a natural person: its national identification number. */
  person: (nationalId: string): string => nationalId,
  /** The record of a business: its business number (`B123456`). */
  business: (businessNumber: string): string => businessNumber,
  /**
   * The record of a vehicle: `vehicle-` and its registration number (`vehicle-AB1234`); the
   * prefix keeps it apart from the other registers' ids whatever their formats become.
   */
  vehicle: (registrationNumber: string): string => `vehicle-${registrationNumber}`,
  /** A correction request. */
  correction: (correctionId: string): string => `correction-${correctionId}`,
  /** The reads of one person's data (never the record's stream: reads do not move its version). */
  access: (nationalId: string): string => `access-${nationalId}`,
  /** The cuts of an organisation's change feed (`AgencyFeedCut`, one event per version). */
  agencyFeed: (organisationId: string): string => `${AGENCY_FEED_PREFIX}${organisationId}`,
} as const;
