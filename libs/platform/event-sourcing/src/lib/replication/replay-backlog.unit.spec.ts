import { ReplayBacklog } from './replay-backlog';

describe('ReplayBacklog', () => {
  it('adds up the latest lag of each partition and says when the replica is catching up', () => {
    const backlog = new ReplayBacklog(100n);
    expect(backlog.records).toBe(0n);
    expect(backlog.catchingUp).toBe(false);

    backlog.report('primary.registry.events.v1', 0, 60n);
    backlog.report('primary.registry.events.v1', 1, 50n);
    expect(backlog.records).toBe(110n);
    expect(backlog.catchingUp).toBe(true);

    // A later batch of partition 0 replaces its figure; the same partition number of another
    // topic is another partition.
    backlog.report('primary.registry.events.v1', 0, 0n);
    backlog.report('primary.other.events.v1', 0, 3n);
    expect(backlog.records).toBe(53n);
    expect(backlog.catchingUp).toBe(false);

    backlog.report('primary.registry.events.v1', 1, -1n);
    expect(backlog.records).toBe(3n);
    backlog.clear();
    expect(backlog.records).toBe(0n);
  });
});
