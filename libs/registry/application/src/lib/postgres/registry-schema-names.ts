/** The PostgreSQL schema of the registry's event store (events, outbox checkpoints, inbox). */
export const EVENT_STORE_SCHEMA = 'registry';

/**
 * The PostgreSQL schema of the registry's own tables, beside its event store: number
 * allocation, idempotency keys, the corrections read model and the registrar directory
 * (projection checkpoints are the event store's). A schema of its own, kept with TypeORM (its
 * history in `typeorm_migrations`), apart from the event store's SQL migrations.
 */
export const APPLICATION_SCHEMA = 'registry_app';
