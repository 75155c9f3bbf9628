/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms`. The work itself is not
 * cancelled (the Kafka client has no cancellation); a late rejection of it is swallowed so that
 * it cannot surface as an unhandled rejection.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(onTimeout());
    }, ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
