import type { RejectionStatuses } from '../errors/platform-errors';

/** Settings the chassis' own providers read; internal to this library. */
export interface ChassisOptions {
  /** The service's rejection codes and their HTTP statuses. */
  readonly rejections: RejectionStatuses;
  /** Largest accepted request body. */
  readonly bodyLimitBytes: number;
  /** How long one readiness check may take before it counts as failed. */
  readonly readinessTimeoutMs: number;
}

/** Injection token of the {@link ChassisOptions}. */
export const CHASSIS_OPTIONS = Symbol('CHASSIS_OPTIONS');
