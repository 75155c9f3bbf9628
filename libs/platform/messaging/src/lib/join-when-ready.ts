import type { ConsumerGroup } from './consumer-group';

/** Options of {@link joinWhenReady}. */
export interface JoinWhenReadyOptions {
  /** Pause between attempts (2 s by default). */
  readonly retryMs?: number;
  /** True once the caller is shutting down: no further attempt. */
  readonly stopped: () => boolean;
  /** Told about each failed attempt (the topic may not exist yet). */
  readonly onRetry?: (error: unknown) => void;
}

/**
 * Starts `group`, again and again until it joins or `stopped()`: for a consumer of a topic that
 * exists only once another site wrote to it (a mirrored topic), so that the service starts
 * regardless and consumes as soon as there is something. Run it in the background; await the
 * promise before stopping the group.
 */
export async function joinWhenReady(
  group: ConsumerGroup,
  options: JoinWhenReadyOptions,
): Promise<void> {
  const retryMs = options.retryMs ?? 2_000;
  while (!options.stopped()) {
    try {
      await group.start();
      return;
    } catch (error) {
      options.onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}
