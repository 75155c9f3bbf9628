import type { Pool } from 'pg';

import { ReadOnlyStoreError } from '@gov/platform-event-sourcing';

/**
 * What a site does with a service's log:
 *
 * - `primary`: writes it (accepts commands, appends, publishes);
 * - `replica`: rebuilds it from the primary's mirrored log and refuses writes (the embassy
 *   before a failover, or a former primary after failback);
 * - `fenced`: a primary that stopped writing for a planned failover; its relay still publishes
 *   what it has, so that the replica can drain.
 */
export type SiteRoleName = 'primary' | 'replica' | 'fenced';

/** A change of role, as recorded. */
export interface RoleChange {
  readonly role: SiteRoleName;
  readonly reason: string;
  readonly changedAt: Date;
}

/**
 * The role of this site for one service: starts as configured (`SITE_ROLE`), and follows what an
 * operator decided (fence, promote), which is kept in the service's store (`site_role`) so
 * that a restart does not undo a failover.
 *
 * A plain object, not a Nest provider, so that the event store's write gate and the replication
 * module can share it without a dependency cycle.
 */
export class SiteRole {
  private role: SiteRoleName;
  private recorded: RoleChange | undefined;
  private readonly listeners = new Set<(change: RoleChange) => void>();

  constructor(
    /** The role the configuration gives before any operator decision. */
    readonly configured: SiteRoleName,
  ) {
    this.role = configured;
  }

  get current(): SiteRoleName {
    return this.role;
  }

  /** The last operator decision, if any (else the configuration decides). */
  get lastChange(): RoleChange | undefined {
    return this.recorded;
  }

  get writable(): boolean {
    return this.role === 'primary';
  }

  /**
   * For the event store's `writeGate`.
   *
   * @throws `ReadOnlyStoreError` unless this site is the primary.
   */
  assertWritable(): void {
    if (this.role === 'primary') return;
    throw new ReadOnlyStoreError(
      this.role,
      this.role === 'replica'
        ? 'this site is a replica (data embassy): it serves reads from the replicated log and refuses writes until an operator promotes it'
        : 'this site is fenced for a failover: it refuses writes; use the promoted site',
    );
  }

  /** Calls `listener` after every change of role. */
  onChange(listener: (change: RoleChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the recorded role, if an operator ever set one. */
  async load(pool: Pool, schema: string): Promise<void> {
    const { rows } = await pool.query<{ role: SiteRoleName; reason: string; changed_at: Date }>(
      `SELECT role, reason, changed_at FROM "${schema}".site_role`,
    );
    const row = rows[0];
    if (row) this.apply({ role: row.role, reason: row.reason, changedAt: row.changed_at });
  }

  /**
   * Records a new role in `client`'s transaction (or on the pool) and switches to it. Call it
   * after the transaction commits through {@link apply} when a transaction is used.
   */
  static async record(
    queryable: Pick<Pool, 'query'>,
    schema: string,
    role: SiteRoleName,
    reason: string,
  ): Promise<RoleChange> {
    const { rows } = await queryable.query<{ changed_at: Date }>(
      `INSERT INTO "${schema}".site_role (singleton, role, reason) VALUES (true, $1, $2)
       ON CONFLICT (singleton) DO UPDATE
         SET role = EXCLUDED.role, reason = EXCLUDED.reason, changed_at = now()
       RETURNING changed_at`,
      [role, reason],
    );
    return { role, reason, changedAt: rows[0]?.changed_at ?? new Date() };
  }

  /** Switches to a recorded role and tells the listeners. */
  apply(change: RoleChange): void {
    this.recorded = change;
    const changed = change.role !== this.role;
    this.role = change.role;
    if (!changed) return;
    for (const listener of this.listeners) listener(change);
  }
}
