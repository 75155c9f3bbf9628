import type { Pool } from 'pg';

/** One kind of statement and how often it ran per operation. */
export interface StatementCount {
  /** A short name of the statement (see {@link statementLabel}). */
  readonly label: string;
  /** Executions per operation (request, insert). */
  readonly perOperation: number;
  /** Server execution milliseconds per operation (planning excluded). */
  readonly msPerOperation: number;
}

/**
 * What the server executed for a run, per operation, as `pg_stat_statements` counted it. A
 * statement is not always a round trip: the sequencer sends its four (`BEGIN` … `COMMIT`) in one.
 */
export interface StatementAccount {
  /** Every statement, `BEGIN`/`COMMIT` included: each is a round trip of its client. */
  readonly statementsPerOperation: number;
  /** Committed transactions of the database (`pg_stat_database.xact_commit`) per operation. */
  readonly transactionsPerOperation: number;
  /** By statement, most frequent first. */
  readonly statements: readonly StatementCount[];
}

/**
 * Labels of the platform's statements, by a pattern of their text, first match wins. What a
 * command costs is read off these: the request path's (idempotency, allocation, append) and
 * the background's (sequencer, relays, projections) statements.
 */
const LABELS: readonly (readonly [RegExp, string])[] = [
  [/^\s*(BEGIN|START TRANSACTION)/i, 'BEGIN'],
  [/^\s*COMMIT/i, 'COMMIT'],
  [/^\s*ROLLBACK/i, 'ROLLBACK'],
  [/appended AS \(\s*INSERT INTO \S*events[\s\S]*idempotency_keys/i, 'append with its answer'],
  [/SELECT fingerprint[\s\S]*FROM \S*idempotency_keys/i, 'idempotency lookup'],
  [/INSERT INTO \S*idempotency_keys[\s\S]*ON CONFLICT/i, 'idempotency claim'],
  [/INSERT INTO \S*idempotency_keys/i, 'idempotency answer'],
  [/UPDATE \S*idempotency_keys/i, 'idempotency answer'],
  [/idempotency_keys/i, 'idempotency (other)'],
  [/person_sequences|nextval\(/i, 'number allocation'],
  [/WITH head AS[\s\S]*INSERT INTO \S*events/i, 'append'],
  [/INSERT INTO \S*events/i, 'insert events'],
  [/EXISTS \(SELECT \S+ FROM \S*events\s+WHERE global_position IS NULL/i, 'sequencer check'],
  [/FROM \S*log_head FOR UPDATE/i, 'sequencer lock'],
  [/WITH batch AS[\s\S]*global_position/i, 'sequencer assign'],
  [/relay_checkpoints/i, 'relay checkpoint'],
  [/projection_checkpoints/i, 'projection checkpoint'],
  [/FROM \S*events\s+WHERE global_position >=/i, 'read log'],
  [/FROM \S*events\s+WHERE stream_id = \$1/i, 'read stream'],
  [/inbox/i, 'inbox'],
  // The benchmark's own queries (progress polls, counts) and the server's bookkeeping.
  [
    /pg_stat_|pg_catalog|current_setting|^\s*SET |AS unpositioned|count\(\*\) AS n FROM/i,
    'monitoring',
  ],
];

/** The label of a statement's text: one of {@link LABELS}, or its first words. */
export function statementLabel(query: string): string {
  for (const [pattern, label] of LABELS) {
    if (pattern.test(query)) return label;
  }
  return query.replace(/\s+/g, ' ').trim().slice(0, 48);
}

/**
 * Counts statements with `pg_stat_statements` (the server must preload it). `reset()` before a
 * run, `account(n)` after it with the number of operations it carried out.
 */
export class StatementCounter {
  private commitsAtReset = 0;

  private constructor(
    private readonly pool: Pool,
    private readonly database: string,
  ) {}

  /**
   * The counter for `pool`'s database, or `undefined` when the server does not preload
   * `pg_stat_statements` (then nothing is counted).
   */
  static async create(pool: Pool): Promise<StatementCounter | undefined> {
    try {
      await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const { rows } = await pool.query<{ db: string }>('SELECT current_database() AS db');
      await pool.query('SELECT count(*) FROM pg_stat_statements');
      return new StatementCounter(pool, rows[0]?.db ?? 'postgres');
    } catch {
      return undefined;
    }
  }

  async reset(): Promise<void> {
    await this.pool.query('SELECT pg_stat_statements_reset()');
    this.commitsAtReset = await this.commits();
  }

  async account(operations: number): Promise<StatementAccount> {
    const commits = (await this.commits()) - this.commitsAtReset;
    const { rows } = await this.pool.query<{ query: string; calls: string; ms: number }>(
      `SELECT s.query, s.calls, s.total_exec_time AS ms FROM pg_stat_statements s
       JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`,
      [this.database],
    );
    const byLabel = new Map<string, { calls: number; ms: number }>();
    for (const row of rows) {
      const label = statementLabel(row.query);
      if (label === 'monitoring') continue;
      const entry = byLabel.get(label) ?? { calls: 0, ms: 0 };
      entry.calls += Number(row.calls);
      entry.ms += row.ms;
      byLabel.set(label, entry);
    }
    const per = (n: number): number => (operations > 0 ? n / operations : 0);
    const statements = [...byLabel]
      .map(([label, { calls, ms }]) => ({
        label,
        perOperation: per(calls),
        msPerOperation: per(ms),
      }))
      .sort((a, b) => b.perOperation - a.perOperation);
    return {
      statementsPerOperation: statements.reduce((sum, s) => sum + s.perOperation, 0),
      transactionsPerOperation: per(commits),
      statements,
    };
  }

  private async commits(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1',
      [this.database],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
