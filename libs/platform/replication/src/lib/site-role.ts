import { ReadOnlyStoreError } from '@gov/platform-event-sourcing';
import type { PostgresEventStore, StoredSiteRole } from '@gov/platform-event-sourcing';

/**
 * What a site does with a service's log:
 *
 * - `primary`: writes it (accepts commands, appends, publishes);
 * - `replica`: rebuilds it from the primary's mirrored log and refuses writes (the embassy
 *   before a failover, or a former primary after failback);
 * - `fenced`: a primary that stopped writing for a planned failover; its relay still publishes
 *   what it has, so that the replica can drain.
 */
export type SiteRoleName = StoredSiteRole;

/** A change of role, as recorded. */
export interface RoleChange {
  readonly role: SiteRoleName;
  readonly reason: string;
  readonly changedAt: Date;
}

/**
 * The role of this site for one service: starts as configured (`SITE_ROLE`), and follows what an
 * operator decided (fence, promote), which the service's event store records
 * (`PostgresEventStore.recordSiteRole`) so that a restart does not undo a failover.
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

  /** Loads the role recorded in `store`, if an operator ever set one. */
  async load(store: Pick<PostgresEventStore, 'recordedSiteRole'>): Promise<void> {
    const recorded = await store.recordedSiteRole();
    if (recorded) this.apply(recorded);
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
