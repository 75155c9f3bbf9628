import { ApplicationError } from '@gov/platform-chassis';
import { ConcurrencyError, handleCommand } from '@gov/platform-event-sourcing';
import type { EventStore } from '@gov/platform-event-sourcing';
import type { EntityManager } from 'typeorm';
import { prefillAnswer, prefillDecider } from '@gov/consent-domain';
import type { PrefillAnswerRule, PrefillPreference } from '@gov/consent-domain';
import type { DataSource as PrefillSource } from '@gov/platform-legal-bases';

import { prefillCodec } from './codecs';
import { appendMetadata, requireCitizen } from './context';
import type { Clock, RequestContext } from './context';
import type { ConsentStore } from './consent.service';
import type { PgConsentReads } from './consent-reads';
import { streamIds } from './streams';
import { erasureUnderLock } from './subject-lock';

/** One of a person's preferences. */
export interface PrefillPreferenceView {
  readonly source: string;
  /** `null`: the source's own preference, for every procedure. */
  readonly procedureId: string | null;
  readonly preference: PrefillPreference;
  readonly setAt: string;
}

/** The answer to "may procedure Q prefill from source R for this person?". */
export interface PrefillAnswerView {
  readonly subject: string;
  readonly source: string;
  readonly procedureId: string | null;
  readonly prefill: boolean;
  /** Which preference decided: the procedure's own, the source's, or the default (Yes). */
  readonly rule: PrefillAnswerRule;
}

/** Transactions that lose a version conflict are retried this often. */
const MAX_RETRIES = 3;

/**
 * The Yes/No to prefilling: the person sets theirs (per source, and per procedure overriding
 * the source); the procedures service asks before it prefills a form.
 */
export class PrefillService {
  constructor(
    private readonly store: ConsentStore,
    private readonly reads: PgConsentReads,
    private readonly clock: Clock,
  ) {}

  /** The person says Yes or No for a source, or for one procedure (`procedureId`). */
  async set(
    context: RequestContext,
    source: PrefillSource,
    procedureId: string | null,
    preference: PrefillPreference,
  ): Promise<{ readonly changed: boolean; readonly version: number }> {
    const citizen = requireCitizen(context.principal, 'set prefill preferences');
    const { subject } = citizen;
    const result = await this.inTransaction(async ({ store, manager }) =>
      handleCommand(
        store,
        { decider: prefillDecider, codec: prefillCodec },
        streamIds.prefill(subject),
        {
          type: 'SetPrefillPreference',
          data: {
            subject,
            by: subject,
            source,
            procedureId,
            preference,
            subjectErasedAt: await erasureUnderLock(manager, subject),
          },
          metadata: { now: this.clock.now() },
        },
        { metadata: appendMetadata(context), maxRetries: 0 },
      ),
    );
    return { changed: result.appended.length > 0, version: result.streamVersion };
  }

  /** The person withdraws a procedure's own preference: the source's applies again. */
  async clear(
    context: RequestContext,
    source: PrefillSource,
    procedureId: string,
  ): Promise<{ readonly changed: boolean; readonly version: number }> {
    const citizen = requireCitizen(context.principal, 'clear prefill preferences');
    const { subject } = citizen;
    const result = await this.inTransaction(async ({ store, manager }) =>
      handleCommand(
        store,
        { decider: prefillDecider, codec: prefillCodec },
        streamIds.prefill(subject),
        {
          type: 'ClearPrefillPreference',
          data: {
            subject,
            by: subject,
            source,
            procedureId,
            subjectErasedAt: await erasureUnderLock(manager, subject),
          },
          metadata: { now: this.clock.now() },
        },
        { metadata: appendMetadata(context), maxRetries: 0 },
      ),
    );
    return { changed: result.appended.length > 0, version: result.streamVersion };
  }

  /**
   * `work` in one transaction, again after a version conflict (a concurrent change of the
   * person's preferences): the conflict aborts the transaction, so the whole of it is retried.
   */
  private async inTransaction<T>(
    work: (transaction: {
      readonly store: EventStore;
      readonly manager: EntityManager;
    }) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.store.transaction(work);
      } catch (error) {
        if (attempt > MAX_RETRIES || !(error instanceof ConcurrencyError)) throw error;
      }
    }
  }

  /** The person's own preferences. */
  async list(context: RequestContext): Promise<PrefillPreferenceView[]> {
    const citizen = requireCitizen(context.principal, 'read their prefill preferences');
    return (await this.reads.preferencesOf(citizen.subject)).map((rule) => ({
      ...rule,
      setAt: rule.setAt.toISOString(),
    }));
  }

  /**
   * May a procedure prefill from `source` for `subject`? For an organisation (the procedures
   * service, a back office), the person themself, or a data-protection officer.
   */
  async answer(
    context: RequestContext,
    subject: string,
    source: PrefillSource,
    procedureId: string | null,
  ): Promise<PrefillAnswerView> {
    const { principal } = context;
    const allowed =
      principal.kind === 'agency' ||
      principal.kind === 'dpo' ||
      (principal.kind === 'citizen' && principal.subject === subject);
    if (!allowed) {
      throw ApplicationError.forbidden('an organisation, the person, or a DPO may ask this');
    }
    // The registry erased the person: nothing of theirs is prefilled (the register answers 410
    // anyway), whatever they had said.
    if ((await this.reads.erasureOf(subject)) !== null) {
      return { subject, source, procedureId, prefill: false, rule: 'erased' };
    }
    const answer = prefillAnswer(await this.reads.preferencesOf(subject), source, procedureId);
    return { subject, source, procedureId, ...answer };
  }
}
