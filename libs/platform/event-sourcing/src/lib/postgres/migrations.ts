/**
 * One step of the event store's schema. Released migrations are immutable: `migrate` records a
 * checksum of each and refuses to run against a schema where an applied migration's SQL has
 * changed since. A change is a new migration with the next version.
 */
export interface Migration {
  /** Applied in ascending order, from 1, without gaps. */
  readonly version: number;
  /** Short description, recorded in `schema_migrations`. */
  readonly name: string;
  /**
   * The SQL, run in one transaction with `search_path` set to the store's schema, so it names
   * tables without a schema.
   */
  readonly sql: string;
}

/**
 * The event store's migrations. Each service's store lives in a PostgreSQL schema of its own
 * (named when the store is constructed), holding:
 *
 * - `events`: the log. `seq` is insert order (internal). `transaction_id` is the inserting
 *   transaction's id, used by the sequencer to position only events of finished transactions.
 *   `global_position` is the dense log position, NULL until the sequencer assigns it.
 * - `log_head`: one row, the highest position assigned; its row lock serializes sequencers.
 * - `relay_checkpoints`: per outbox relay, the last position published to Kafka.
 * - `inbox`: per consumer, the ids of events already applied (idempotent consumers).
 * - `projection_checkpoints`: per projection, the last position applied.
 * - `halted_streams`: on a replica (the embassy), streams whose replicated history broke (a gap,
 *   a hash chain that does not link, a diverging event): nothing more of them is applied.
 * - `site_role`: the role an operator gave this site (a promoted embassy, a fenced primary);
 *   empty until then, when the service's configuration decides.
 */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event log',
    sql: `
CREATE TABLE events (
  seq                    bigserial   PRIMARY KEY,
  event_id               uuid        NOT NULL,
  stream_id              text        NOT NULL,
  stream_version         bigint      NOT NULL,
  event_type             text        NOT NULL,
  payload_schema_version integer     NOT NULL,
  payload                bytea       NOT NULL,
  occurred_at            timestamptz NOT NULL,
  recorded_at            timestamptz NOT NULL DEFAULT now(),
  correlation_id         text        NOT NULL,
  causation_id           text,
  traceparent            text,
  tracestate             text,
  content_hash           bytea       NOT NULL,
  previous_hash          bytea,
  data_subject_key_id    text,
  producer               text        NOT NULL,
  actor_kind             text,
  actor_id               text,
  actor_organisation_id  text,
  transaction_id         xid8        NOT NULL DEFAULT pg_current_xact_id(),
  global_position        bigint,
  CONSTRAINT events_event_id_key UNIQUE (event_id),
  CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
  CONSTRAINT events_global_position_key UNIQUE (global_position),
  CONSTRAINT events_stream_version_check CHECK (stream_version >= 1),
  CONSTRAINT events_payload_schema_version_check CHECK (payload_schema_version >= 1),
  CONSTRAINT events_content_hash_check CHECK (octet_length(content_hash) = 32),
  CONSTRAINT events_previous_hash_check CHECK (
    CASE WHEN stream_version = 1 THEN previous_hash IS NULL
         ELSE previous_hash IS NOT NULL AND octet_length(previous_hash) = 32 END),
  CONSTRAINT events_global_position_check CHECK (global_position >= 1)
);

-- The sequencer's work queue: events not positioned yet, in the order it positions them.
-- Partial, so it only ever holds the few events committed since the sequencer last ran.
CREATE INDEX events_unpositioned_idx ON events (transaction_id, seq)
  WHERE global_position IS NULL;

CREATE TABLE log_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  position  bigint  NOT NULL CHECK (position >= 0)
);
INSERT INTO log_head (singleton, position) VALUES (true, 0);

CREATE TABLE relay_checkpoints (
  name       text        PRIMARY KEY,
  position   bigint      NOT NULL CHECK (position >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 2,
    name: 'consumer bookkeeping',
    sql: `
CREATE TABLE inbox (
  consumer     text        NOT NULL,
  event_id     uuid        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

CREATE TABLE projection_checkpoints (
  name       text        PRIMARY KEY,
  position   bigint      NOT NULL CHECK (position >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 3,
    name: 'replica bookkeeping',
    sql: `
CREATE TABLE halted_streams (
  stream_id       text        PRIMARY KEY,
  at_version      bigint      NOT NULL,
  event_id        uuid        NOT NULL,
  global_position bigint      NOT NULL,
  reason          text        NOT NULL,
  detail          text        NOT NULL,
  detected_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE site_role (
  singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  role       text        NOT NULL CHECK (role IN ('primary', 'replica', 'fenced')),
  reason     text        NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];

/** The highest migration version this code knows: what a store requires. */
export const REQUIRED_MIGRATION = EVENT_STORE_MIGRATIONS.reduce(
  (max, m) => Math.max(max, m.version),
  0,
);
