import { handleCommand } from '@gov/platform-event-sourcing';
import { letterDecider } from '@gov/letterbox-domain';

import { letterCodec } from './codecs';
import { LETTERBOX_ACTOR } from './context';
import type { Clock } from './context';
import { letterStreamId } from './letter.service';
import type { PgLetterStore } from './pg-letter-store';
import { APPLICATION_SCHEMA } from './schema';

/**
 * Removes the content of every letter whose retention has ended, recording
 * `LetterContentRemoved` (the letter's facts stay); the bytes go with the last letter that
 * uses them, in the same transaction (see `projectLetterEvent`). It appends, so it runs on
 * the primary only (the kit's reactors); a promoted embassy picks up what the old primary had
 * not recorded, since its to-do list is the replayed read model. Idempotent: `RemoveContent`
 * before the end of retention or a second time is a no-op.
 */
export class RetentionReactor {
  constructor(
    private readonly store: PgLetterStore,
    private readonly clock: Clock,
    private readonly batchSize = 100,
  ) {}

  /** Records the removals due; resolves with how many it recorded. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const due: { letter_id: string }[] = await this.store.manager.query(
      `SELECT letter_id FROM ${APPLICATION_SCHEMA}.letters
        WHERE content_removed_at IS NULL AND retain_until <= $1
        ORDER BY retain_until LIMIT $2`,
      [now, this.batchSize],
    );
    let recorded = 0;
    for (const { letter_id: letterId } of due) {
      const result = await handleCommand(
        this.store,
        { decider: letterDecider, codec: letterCodec },
        letterStreamId(letterId),
        { type: 'RemoveContent', data: { letterId }, metadata: { now } },
        { metadata: { correlationId: `retention-${letterId}`, actor: LETTERBOX_ACTOR } },
      );
      recorded += result.appended.length;
    }
    return recorded;
  }
}
