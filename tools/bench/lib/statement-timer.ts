import { performance } from 'node:perf_hooks';

import { Client } from 'pg';

/** A kind of statement and how to recognise its SQL. */
export interface StatementKind {
  readonly name: string;
  readonly sql: RegExp;
}

/** Summed wall time and count of the statements of each kind. */
export type StatementTimes = Record<string, { ms: number; count: number }>;

/**
 * Times every statement any `pg` client of this process runs, from the call to its result (a
 * COPY until the server acknowledged it), summed per kind; `other` for SQL no kind matches. The
 * wall time of a statement is the server's work on it plus the round trip and the client's
 * handling of the result. Patches `Client.prototype.query` until the returned function is
 * called: a benchmark's instrument, never for a service.
 */
export function timeStatements(kinds: readonly StatementKind[]): {
  times: StatementTimes;
  restore: () => void;
} {
  const times: StatementTimes = {};
  const record = (sql: string, started: number): void => {
    const name = kinds.find((kind) => kind.sql.test(sql))?.name ?? 'other';
    const entry = (times[name] ??= { ms: 0, count: 0 });
    entry.ms += performance.now() - started;
    entry.count += 1;
  };
  const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function timedQuery(this: unknown, ...args: unknown[]): unknown {
    const started = performance.now();
    const first = args[0];
    const sql =
      typeof first === 'string'
        ? first
        : typeof first === 'object' && first !== null && 'text' in first
          ? String(first.text)
          : '';
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      return result.finally(() => {
        record(sql, started);
      });
    }
    // A submittable (a COPY stream): done when it finishes or fails.
    if (typeof first === 'object' && first !== null && 'once' in first) {
      const emitter = first as { once: (event: string, listener: () => void) => void };
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        record(sql, started);
      };
      emitter.once('finish', finish);
      emitter.once('error', finish);
    }
    return result;
  };
  return {
    times,
    restore: () => {
      prototype.query = original;
    },
  };
}
