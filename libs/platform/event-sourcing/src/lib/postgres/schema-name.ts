import { InvalidArgumentError } from '../event-store/event-store-errors';

/**
 * PostgreSQL schema names the store accepts: lower-case identifiers that never need quoting
 * rules beyond double quotes, at most 63 bytes (PostgreSQL's identifier limit).
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `schema` as a quoted SQL identifier, after checking it is a plain lower-case name. Schema
 * names are interpolated into SQL (identifiers cannot be bind parameters), so nothing else gets
 * through.
 *
 * @throws {@link InvalidArgumentError} for any other name.
 */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new InvalidArgumentError(
      'schema',
      `must match ${SCHEMA_NAME.source} and not start with pg_, got "${schema}"`,
    );
  }
  return `"${schema}"`;
}
