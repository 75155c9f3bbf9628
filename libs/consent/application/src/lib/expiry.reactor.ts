import { handleCommand } from '@gov/platform-event-sourcing';
import { consentDecider } from '@gov/consent-domain';

import { consentCodec } from './codecs';
import { CONSENT_ACTOR } from './context';
import type { Clock } from './context';
import type { ConsentStore } from './consent.service';
import type { PgConsentReads } from './consent-reads';
import { streamIds } from './streams';

/**
 * Records `ConsentExpired` for every artefact whose `valid_until` has passed. Nobody has to
 * act for a consent to expire: readers and the decision API already treat it as EXPIRED from
 * that instant; this puts the fact in the log (for the audit trail, the read model and the
 * embassy). It appends, so it runs on the primary only (the kit's reactors); a promoted
 * embassy picks up whatever the old primary had not recorded, since its to-do list is the
 * replayed read model. Idempotent: `ExpireConsent` on an ended artefact is a no-op.
 */
export class ExpiryReactor {
  constructor(
    private readonly store: ConsentStore,
    private readonly reads: PgConsentReads,
    private readonly clock: Clock,
    private readonly batchSize = 100,
  ) {}

  /** Records the expiries due; resolves with how many it recorded. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const due = await this.reads.expiredBy(now, this.batchSize);
    let recorded = 0;
    for (const consentId of due) {
      const result = await handleCommand(
        this.store,
        { decider: consentDecider, codec: consentCodec },
        streamIds.consent(consentId),
        { type: 'ExpireConsent', data: { consentId }, metadata: { now } },
        { metadata: { correlationId: `expiry-${consentId}`, actor: CONSENT_ACTOR } },
      );
      recorded += result.appended.length;
    }
    return recorded;
  }
}
