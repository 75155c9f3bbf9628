/** One environment variable that failed validation. */
export interface ConfigIssue {
  /** The environment variable's name, e.g. `HTTP_PORT`. */
  readonly variable: string;
  /** Why it was rejected, e.g. `expected an integer between 1 and 65535, got "abc"`. */
  readonly reason: string;
}

/**
 * The configuration read from the environment is invalid. The message names every bad variable
 * and why, on one line, so that it reads well both in a terminal and as a single log record:
 *
 * `Invalid configuration: HTTP_PORT: expected an integer between 1 and 65535, got "abc"`
 *
 * It is an expected operator error, not a bug: report its message, not its stack.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /** @param issues - Every variable that failed, in schema order; never empty. */
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration: ${issues.map((issue) => `${issue.variable}: ${issue.reason}`).join('; ')}`,
    );
  }
}
