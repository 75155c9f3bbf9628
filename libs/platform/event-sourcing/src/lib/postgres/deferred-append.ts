// Deferred appends: a request's one append, held until its answer is known, then stored with
// the answer in one statement.
//
// Why: a command over HTTP with an Idempotency-Key used to cost four transactions (claim the
// key, allocate, append, store the answer), each a round trip and a commit. When a route's only
// write is one append, the append can wait until the handler has produced its answer, and the
// key, the answer and the events then commit together in one statement: no claim before, no
// answer after, and no window in which the events are stored but the answer is not.
import { AsyncLocalStorage } from 'node:async_hooks';

import { ConcurrencyError } from '../event-store/event-store-errors';

/**
 * A write stored with a deferred append: in the same statement (a data-modifying CTE of it), or
 * in the same transaction when the request's writes are a transaction held open. The CTE form
 * names the append's inserted rows as `appended` (columns `event_id`, `recorded_at`), so it can
 * write only when the append did: `INSERT ... SELECT ... WHERE EXISTS (SELECT 1 FROM appended)`.
 */
export interface CompanionWrite {
  /** A name for the statement, for the prepared-statement cache (same name, same SQL). */
  readonly name: string;
  /** The CTE form: one `INSERT`/`UPDATE` whose parameters are `$1` … `$n` of `values`. */
  readonly sql: string;
  /** The same write as a statement of its own, same parameters (in a held transaction). */
  readonly standaloneSql: string;
  readonly values: readonly unknown[];
}

/**
 * A condition of a deferred append that is itself a write, run in the append's statement: the
 * append stores its events only if this returns a row (an allocation that takes the number it
 * read, only if nobody took it meanwhile, say). Otherwise nothing of the statement is stored and
 * it fails with a `ConcurrencyError`: the request decided on something that moved.
 */
export interface GuardWrite {
  /** A name for the statement, for the prepared-statement cache (same name, same SQL). */
  readonly name: string;
  /** One data-modifying statement with `RETURNING`, parameters `$1` … `$n` of `values`. */
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** What runs with a held write. */
export interface HeldWriteExtras {
  readonly companion?: CompanionWrite | undefined;
  readonly guard?: GuardWrite | undefined;
}

/** A request's write held back: an append not yet run, or a transaction not yet committed. */
export interface HeldWrite {
  /** Runs (commits) it, with the guard and the companion when given, as one unit. */
  run(extras: HeldWriteExtras): Promise<void>;
  /** Gives it up: nothing of it is stored (a transaction is rolled back). */
  abandon(): void;
}

/**
 * The append a request makes, held back. Opened by the caller around the request's work
 * ({@link deferAppends}); `PostgresEventStore.append` then holds the first append in it instead
 * of running it, and returns what it will have stored. Anything else the request does with a
 * store afterwards runs it first (as if it had not waited), and so does a second append: the
 * request's effects keep their order.
 */
export class AppendDeferral {
  private pending: HeldWrite | undefined;
  private condition: GuardWrite | undefined;
  private used = false;
  private settle: () => void = () => undefined;
  /**
   * Resolves once the request's write is settled: run, or given up (then nothing more of the
   * request will be stored through this deferral). Lets a store serialise what must wait for
   * an earlier request's outcome (an allocator of dense numbers, say).
   */
  readonly settled: Promise<void> = new Promise((resolve) => {
    this.settle = resolve;
  });
  private conflict = false;

  /**
   * Whether the held append, when it ran, met a version conflict: the request decided on a
   * stream that moved meanwhile, and may run again.
   */
  get conflicted(): boolean {
    return this.conflict;
  }

  /** Whether an append is held. */
  get holding(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Runs the held append with `companion` in one statement (one transaction). A version
   * conflict fails it with the store's `ConcurrencyError`; a unique clash of the companion with
   * a {@link CompanionConflictError}; nothing is stored then.
   *
   * @returns `false` when no append is held (nothing was run).
   */
  async commit(companion: CompanionWrite): Promise<boolean> {
    const pending = this.take();
    try {
      if (!pending) return false;
      await this.run(pending, companion);
      return true;
    } finally {
      this.used = true;
      this.condition = undefined;
      this.settle();
    }
  }

  /** Forgets the held write: the request failed, nothing of it is stored. */
  discard(): void {
    this.take()?.abandon();
    this.condition = undefined;
    this.used = true;
    this.settle();
  }

  /**
   * Makes the request's coming write conditional on `guard` (see {@link GuardWrite}), run in
   * its statement. Only before the write is held ({@link accepts}); one guard per request.
   */
  guard(guard: GuardWrite): void {
    if (!this.accepts() || this.condition) {
      throw new Error('a guard goes before the request’s one held write, and only one');
    }
    this.condition = guard;
  }

  /** Whether a write may be held now: the request's first. */
  accepts(): boolean {
    return !this.used;
  }

  /**
   * Holds the request's write (see {@link accepts}): a store's append, or a store's transaction
   * whose commit waits (the stores of the platform call this, not the request's code).
   */
  hold(write: HeldWrite): void {
    this.pending = write;
    this.used = true;
  }

  /** Runs the held write alone, before another operation of the request that must see it. */
  async flush(): Promise<void> {
    const pending = this.take();
    if (!pending) return;
    try {
      await this.run(pending, undefined);
    } finally {
      this.settle();
    }
  }

  private async run(pending: HeldWrite, companion: CompanionWrite | undefined): Promise<void> {
    const guard = this.condition;
    this.condition = undefined;
    try {
      await pending.run({ companion, guard });
    } catch (error) {
      if (error instanceof ConcurrencyError) this.conflict = true;
      throw error;
    }
  }

  private take(): HeldWrite | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }
}

/** The companion of a deferred append clashed with a unique key: nothing was stored. */
export class CompanionConflictError extends Error {
  constructor(
    /** The companion's name. */
    readonly companion: string,
    options: { cause: unknown },
  ) {
    super(`the ${companion} stored with the append already exists`, options);
    this.name = 'CompanionConflictError';
  }
}

const deferrals = new AsyncLocalStorage<AppendDeferral>();

/** Runs `work` with `deferral` open: the first append of a `PostgresEventStore` in it waits. */
export function deferAppends<T>(deferral: AppendDeferral, work: () => T): T {
  return deferrals.run(deferral, work);
}

/** The deferral open in this asynchronous context, if any. */
export function currentDeferral(): AppendDeferral | undefined {
  return deferrals.getStore();
}

/** `sql` with its placeholders `$1` … moved up by `offset` (to follow the append's own). */
export function shiftPlaceholders(sql: string, offset: number): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}
