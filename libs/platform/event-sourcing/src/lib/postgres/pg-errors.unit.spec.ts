import {
  ConcurrencyError,
  DuplicateEventError,
  SchemaNotMigratedError,
  StoreUnavailableError,
  UnexpectedStoreError,
} from '../event-store/event-store-errors';
import { translatePgError } from './pg-errors';

/** An error shaped like pg's DatabaseError. */
function pgError(code: string, fields: Record<string, string> = {}): Error {
  return Object.assign(new Error(`server said ${code}`), { code, ...fields });
}

const context = { operation: 'append', schema: 'registry', requiredMigration: 2 };

describe('translatePgError', () => {
  it('turns a clash on (stream_id, stream_version) into a ConcurrencyError', () => {
    const cause = pgError('23505', {
      constraint: 'events_stream_version_key',
      detail: 'Key (stream_id, stream_version)=(person, 1, 5) already exists.',
    });

    const error = translatePgError(cause, {
      ...context,
      streamId: 'person, 1',
      expectedVersion: 4,
    });

    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({
      kind: 'concurrency',
      streamId: 'person, 1',
      expectedVersion: 4,
      actualVersion: 5,
      cause,
    });
    expect(
      translatePgError(cause, { ...context, streamId: 's', expectedVersion: 4, actualVersion: 7 }),
    ).toMatchObject({ actualVersion: 7 });
  });

  it('turns a clash on the event id into a DuplicateEventError naming the id', () => {
    const error = translatePgError(
      pgError('23505', {
        constraint: 'events_event_id_key',
        detail: 'Key (event_id)=(0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a) already exists.',
      }),
      { ...context, streamId: 's' },
    );
    expect(error).toBeInstanceOf(DuplicateEventError);
    expect(error).toMatchObject({ eventId: '0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a' });
  });

  it('reads a missing table or schema as a schema that is not migrated', () => {
    for (const code of ['42P01', '3F000']) {
      const error = translatePgError(pgError(code), context);
      expect(error).toBeInstanceOf(SchemaNotMigratedError);
      expect(error).toMatchObject({ schema: 'registry', currentVersion: 0, requiredVersion: 2 });
    }
  });

  it.each([
    ['08006', 'connection failure'],
    ['57P01', 'admin shutdown'],
    ['53300', 'too many connections'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['57014', 'statement timeout'],
    ['ECONNREFUSED', 'refused socket'],
    ['ECONNRESET', 'reset socket'],
  ])('treats %s (%s) as transient', (code) => {
    const error = translatePgError(pgError(code), context);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.transient).toBe(true);
  });

  it('treats the client losing its connection as transient', () => {
    expect(
      translatePgError(new Error('Connection terminated unexpectedly'), context),
    ).toBeInstanceOf(StoreUnavailableError);
    expect(
      translatePgError(new Error('timeout exceeded when trying to connect'), context),
    ).toBeInstanceOf(StoreUnavailableError);
  });

  it('keeps anything else as unexpected, with its SQLSTATE', () => {
    const error = translatePgError(pgError('22P02'), context);
    expect(error).toBeInstanceOf(UnexpectedStoreError);
    expect(error).toMatchObject({ kind: 'unexpected', sqlState: '22P02', transient: false });
    expect(translatePgError('a string', context)).toBeInstanceOf(UnexpectedStoreError);
    expect(translatePgError(pgError('23505', { constraint: 'other_key' }), context)).toBeInstanceOf(
      UnexpectedStoreError,
    );
  });

  it('passes its own errors through unchanged', () => {
    const own = new ConcurrencyError('s', 1, 2);
    expect(translatePgError(own, context)).toBe(own);
  });
});
