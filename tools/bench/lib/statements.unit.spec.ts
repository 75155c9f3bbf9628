import { statementLabel } from './statements';

describe('statementLabel', () => {
  it('names the platform statements a command costs, as pg_stat_statements shows them', () => {
    expect(statementLabel('BEGIN')).toBe('BEGIN');
    expect(
      statementLabel(
        'WITH head AS (SELECT 1), appended AS ( INSERT INTO "registry".events (event_id) SELECT $1 RETURNING event_id), companion AS (INSERT INTO "registry_app".idempotency_keys (scope) SELECT $2) SELECT 1',
      ),
    ).toBe('append with its answer');
    expect(
      statementLabel(
        'WITH head AS (SELECT 1)\n INSERT INTO "registry".events (event_id) SELECT $1',
      ),
    ).toBe('append');
    expect(
      statementLabel(
        'INSERT INTO "x".idempotency_keys AS k (scope, key) VALUES ($1, $2) ON CONFLICT (scope, key) DO UPDATE SET claimed_at = now()',
      ),
    ).toBe('idempotency claim');
    expect(
      statementLabel(
        'SELECT (SELECT position FROM "r".log_head) AS head,\n EXISTS (SELECT $1 FROM "r".events\n WHERE global_position IS NULL)',
      ),
    ).toBe('sequencer check');
    expect(statementLabel('SELECT count(*) AS n FROM "registry".events')).toBe('monitoring');
  });

  it('names anything else by its first words', () => {
    expect(statementLabel('SELECT   name,\n  role FROM somewhere_else WHERE id = $1')).toBe(
      'SELECT name, role FROM somewhere_else WHERE id =',
    );
  });
});
