/**
 * How far a replica is behind the end of its mirrored topics, in records, as the last fetched
 * batch of each partition reported it. While it is catching up (a rebuild from empty, the end
 * of a link cut), work that can wait, the replica's own relays, holds (`OutboxRelay`'s
 * `holdWhile`), so that the replay has the cores; in steady state the backlog is a few records
 * and nothing holds.
 */
export class ReplayBacklog {
  private readonly lags = new Map<string, bigint>();

  /**
   * @param threshold - Records behind from which the replica counts as catching up (10 000 by
   *   default: a few seconds of replay, far above what a live replica trails by).
   */
  constructor(readonly threshold = 10_000n) {}

  /** What the latest batch of a partition left behind it. */
  report(topic: string, partition: number, offsetLag: bigint): void {
    this.lags.set(`${topic}\u0000${String(partition)}`, offsetLag < 0n ? 0n : offsetLag);
  }

  /** Forgets every partition (the replica stopped: nothing is being caught up). */
  clear(): void {
    this.lags.clear();
  }

  /** Records behind, over every partition seen (transaction markers count as records). */
  get records(): bigint {
    let total = 0n;
    for (const lag of this.lags.values()) total += lag;
    return total;
  }

  /** Whether the replica is far enough behind that secondary work should wait. */
  get catchingUp(): boolean {
    return this.records >= this.threshold;
  }
}
