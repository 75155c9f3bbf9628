import type { ConsumerGroup } from './consumer-group';
import { joinWhenReady } from './join-when-ready';

/** A group whose `start` fails `failures` times, then joins. */
function groupFailing(failures: number): ConsumerGroup & { attempts: number } {
  const group = {
    groupId: 'g',
    attempts: 0,
    start() {
      group.attempts += 1;
      return group.attempts <= failures
        ? Promise.reject(new Error('topic not there yet'))
        : Promise.resolve();
    },
  };
  return group as unknown as ConsumerGroup & { attempts: number };
}

describe('joinWhenReady', () => {
  it('retries until the group joins, telling each failure', async () => {
    const group = groupFailing(2);
    const retries: unknown[] = [];
    await joinWhenReady(group, {
      retryMs: 1,
      stopped: () => false,
      onRetry: (e) => retries.push(e),
    });
    expect(group.attempts).toBe(3);
    expect(retries).toHaveLength(2);
  });

  it('gives up once the caller stops', async () => {
    const group = groupFailing(1_000);
    let stopped = false;
    const joining = joinWhenReady(group, {
      retryMs: 1,
      stopped: () => stopped,
      onRetry: () => {
        if (group.attempts >= 3) stopped = true;
      },
    });
    await joining;
    expect(group.attempts).toBe(3);
  });
});
