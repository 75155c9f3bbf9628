/**
 * One dependency the service needs before it can take traffic (its database, the Kafka
 * cluster). `check` resolves when the dependency answers and rejects, with a message an
 * operator can act on, when it does not. The chassis runs all checks in parallel, each with a
 * time limit, on every `GET /health/ready`: keep them cheap (`SELECT 1`, a metadata request).
 */
export interface ReadinessCheck {
  /** Short and stable, e.g. `postgres`, `kafka`: it names the check in the readiness report. */
  readonly name: string;
  check(): Promise<void>;
}

/**
 * Injection token of the service's `ReadinessCheck[]`. The service's root module provides it
 * and exports it (an empty array if the service depends on nothing), e.g.
 *
 * ```ts
 * { provide: READINESS_CHECKS, useFactory: (db: PostgresReadinessCheck) => [db], inject: [PostgresReadinessCheck] }
 * ```
 */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
