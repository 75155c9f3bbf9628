import { performance } from 'node:perf_hooks';

import type { ConsumerGroupFactory } from '@gov/platform-messaging';

/**
 * The raw consume rate of the Kafka client: a new consumer group reads `topic` from the start
 * and does nothing with the records. Events per second from its first batch to the batch that
 * brought the count to `expected`.
 *
 * @throws when fewer than `expected` records arrive within `timeoutMs`.
 */
export async function rawConsumeRate(
  groups: ConsumerGroupFactory,
  topic: string,
  expected: number,
  timeoutMs = 300_000,
): Promise<number> {
  let seen = 0;
  let firstAt = 0;
  let lastAt = 0;
  const group = groups.create({
    groupId: `raw-consume-${Date.now().toString(36)}`,
    topics: [topic],
    fromBeginning: true,
    batchHandler: (messages) => {
      if (seen === 0) firstAt = performance.now();
      seen += messages.length;
      lastAt = performance.now();
      return Promise.resolve();
    },
    handler: () => Promise.resolve(),
  });
  try {
    await group.start();
    const deadline = Date.now() + timeoutMs;
    while (seen < expected) {
      if (Date.now() > deadline) {
        throw new Error(
          `raw consume: ${seen} of ${expected} records of ${topic} in ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await group.stop();
  }
  return lastAt > firstAt ? Math.round((seen / (lastAt - firstAt)) * 1000) : 0;
}
