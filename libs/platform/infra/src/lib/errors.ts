/** What went wrong while provisioning or running local infrastructure. */
export type InfraErrorKind =
  | 'missing-prerequisite'
  | 'command-failed'
  | 'spawn-failed'
  | 'not-ready'
  | 'port-in-use'
  | 'stop-failed';

/**
 * The single error type of the infrastructure harness. `context` names the component, its log
 * file and the tail of that log where there is one, so a failed start explains itself.
 */
export class InfraError extends Error {
  constructor(
    readonly kind: InfraErrorKind,
    message: string,
    readonly context: Readonly<Record<string, string | number | undefined>>,
  ) {
    super(InfraError.describe(message, context));
    this.name = 'InfraError';
  }

  private static describe(
    message: string,
    context: Readonly<Record<string, string | number | undefined>>,
  ): string {
    const details = Object.entries(context)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => {
        const text = String(value);
        return text.includes('\n') ? `${key}:\n${text}` : `${key}: ${text}`;
      });
    return [message, ...details].join('\n');
  }
}
