import { Counter, Gauge, Histogram } from 'prom-client';

import { metricsRegistry } from './metrics-registry';

const registers = [metricsRegistry];

/**
 * HTTP requests by route pattern (`/persons/:nationalId`, never the raw URL: bounded label
 * values), method and status class (`2xx` … `5xx`). Its `_count` is the request rate, the
 * `5xx` series the errors. Routes that match nothing are labelled `unmatched`.
 */
export const httpRequestDuration = new Histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP requests, by method, route pattern and status class.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

/**
 * Requests the per-principal rate limit refused (429), by route pattern and limit class
 * (`default`, or `service` for the platform's own callers). Never labelled by principal:
 * unbounded values.
 */
export const httpRateLimited = new Counter({
  name: 'http_rate_limited_total',
  help: 'Requests refused with 429 by the per-principal rate limit, by route pattern and class.',
  labelNames: ['route', 'class'] as const,
  registers,
});

/** Event store appends by schema and outcome (`ok`, `error`), commit included. */
export const eventStoreAppendDuration = new Histogram({
  name: 'event_store_append_duration_seconds',
  help: 'Duration of event store appends (checks, insert and commit), by schema and outcome.',
  labelNames: ['schema', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers,
});

/**
 * Queries this process sent to PostgreSQL on the service's pool: each one a round trip (a
 * multi-statement query, like the sequencer's, counts once). Divided by the request rate, what
 * a command costs in round trips, background work (relays, projections) included.
 */
export const dbQueries = new Counter({
  name: 'db_client_queries_total',
  help: 'Queries (round trips) sent to PostgreSQL on the service pool.',
  registers,
});

/** Events positioned in the log and not yet published, as the leading relay last saw it. */
export const relayLagEvents = new Gauge({
  name: 'outbox_relay_lag_events',
  help: 'Events in the log after the relay checkpoint (sequencer head minus published position), per topic.',
  labelNames: ['topic'] as const,
  registers,
});

/** Age of the oldest unpublished event when the leading relay last read the log; 0 when caught up. */
export const relayLagSeconds = new Gauge({
  name: 'outbox_relay_lag_seconds',
  help: 'Age of the oldest event not yet published (recorded-at to now), per topic; 0 when caught up.',
  labelNames: ['topic'] as const,
  registers,
});

/** Records the relay has had acknowledged (a batch published again after a crash counts twice). */
export const relayPublished = new Counter({
  name: 'outbox_relay_published_total',
  help: 'Records published and acknowledged by the brokers, per topic.',
  labelNames: ['topic'] as const,
  registers,
});

/** Records behind the high watermark after the last fetched batch, per partition. */
export const consumerLag = new Gauge({
  name: 'messaging_consumer_lag_records',
  help: 'Records in the partition after the last batch handled (high watermark minus next offset), per group, topic and partition.',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers,
});

/** Messages handled (successfully) by consumer groups. */
export const consumerHandled = new Counter({
  name: 'messaging_consumer_messages_total',
  help: 'Messages handled successfully, per group and topic.',
  labelNames: ['group', 'topic'] as const,
  registers,
});

/** Handler failures the error policy answered with a retry. */
export const consumerRetries = new Counter({
  name: 'messaging_consumer_retries_total',
  help: 'Handler failures retried, per group and topic.',
  labelNames: ['group', 'topic'] as const,
  registers,
});

/** Messages written to `<topic>.dlq`. */
export const consumerDeadLetters = new Counter({
  name: 'messaging_consumer_dead_letters_total',
  help: 'Messages written to the dead-letter topic, per group and source topic.',
  labelNames: ['group', 'topic'] as const,
  registers,
});

/** The replica's gapless head: every log position up to it is applied. */
export const replicaAppliedPosition = new Gauge({
  name: 'replica_applied_position',
  help: 'Gapless head of the log applied by the replica (every position up to it is stored), per schema.',
  labelNames: ['schema'] as const,
  registers,
});
