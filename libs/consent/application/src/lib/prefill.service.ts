import { ApplicationError } from '@gov/platform-chassis';
import { handleCommand } from '@gov/platform-event-sourcing';
import { prefillAnswer, prefillDecider } from '@gov/consent-domain';
import type { PrefillAnswerRule, PrefillPreference } from '@gov/consent-domain';
import type { DataSource as PrefillSource } from '@gov/platform-legal-bases';

import { prefillCodec } from './codecs';
import { appendMetadata, requireCitizen } from './context';
import type { Clock, RequestContext } from './context';
import type { ConsentStore } from './consent.service';
import type { PgConsentReads } from './consent-reads';
import { streamIds } from './streams';

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
    const result = await handleCommand(
      this.store,
      { decider: prefillDecider, codec: prefillCodec },
      streamIds.prefill(citizen.subject),
      {
        type: 'SetPrefillPreference',
        data: { subject: citizen.subject, by: citizen.subject, source, procedureId, preference },
        metadata: { now: this.clock.now() },
      },
      { metadata: appendMetadata(context) },
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
    const result = await handleCommand(
      this.store,
      { decider: prefillDecider, codec: prefillCodec },
      streamIds.prefill(citizen.subject),
      {
        type: 'ClearPrefillPreference',
        data: { subject: citizen.subject, by: citizen.subject, source, procedureId },
        metadata: { now: this.clock.now() },
      },
      { metadata: appendMetadata(context) },
    );
    return { changed: result.appended.length > 0, version: result.streamVersion };
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
    const answer = prefillAnswer(await this.reads.preferencesOf(subject), source, procedureId);
    return { subject, source, procedureId, ...answer };
  }
}
