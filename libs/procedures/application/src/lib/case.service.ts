import { createHash } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { ApplicationError } from '@gov/platform-chassis';
import { KeyRing, SubjectErasedError } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { handleCommand } from '@gov/platform-event-sourcing';
import type { Actor, EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import { evolveAll } from '@gov/platform-decider';
import type { DataCategory } from '@gov/platform-legal-bases';
import { PREFILL_ORGANISATION, caseDecider, concernsCase } from '@gov/procedures-domain';
import type {
  CaseCommand,
  CaseEvent,
  CaseState,
  DecisionOutcome,
  PersonalItem,
  PrefillSource,
  PrefilledField,
} from '@gov/procedures-domain';

import { ProcedureCatalogue } from './catalogue';
import type { ProcedureDefinition } from './catalogue';
import {
  MalformedProceduresPayloadError,
  WITHOUT_PERSONAL_DATA,
  caseCodec,
  caseCodecFor,
  isErasedIn,
} from './codecs';
import type { PersonalDataAccess } from './codecs';
import type { ReceivedCorrectionNotice } from './correction-notice';
import {
  PROCEDURES_ACTOR,
  appendMetadata,
  newIdFor,
  requireAgency,
  requireCitizen,
} from './context';
import type { Clock, RequestContext } from './context';
import { textPdf } from './decision-letter';
import { keyIdsOf } from './personal-space.service';
import type { PersonalSpaceService } from './personal-space.service';
import type {
  ConsentLookup,
  Letterbox,
  PrefillPreferences,
  RegistryReads,
  ServiceToken,
} from './ports';
import { CaseEntity } from './schema';
import type { CaseRow } from './schema';
import { streamIds } from './streams';

/** How the use cases are tuned. */
export interface CaseServiceOptions {
  /** How long a prefill preview can be used. */
  readonly previewTtlMs: number;
  /** How long after a decision the reactor takes over a letter the request could not send. */
  readonly letterGraceMs: number;
}

/** The written answer of a command on a case. */
export interface CaseWritten {
  readonly caseId: string;
  readonly status: string;
  readonly version: number;
  readonly changed: boolean;
}

/** A step of a case's timeline. */
export interface TimelineStep {
  readonly at: string;
  readonly step: string;
  readonly actor: { readonly kind: string; readonly id: string; readonly organisationId?: string };
  readonly details: Record<string, unknown>;
  readonly version: number;
}

/** A case in a list (dashboard, back office). */
export interface CaseSummary {
  readonly caseId: string;
  readonly procedureId: string;
  readonly procedureVersion: number;
  readonly title: { readonly fr: string; readonly en: string } | null;
  readonly organisationId: string;
  readonly applicant: string;
  readonly businessNumber: string | null;
  readonly status: string;
  readonly outcome: string | null;
  /** The back office's open question; `null` when none, or when the applicant was erased. */
  readonly openQuestion: string | null;
  readonly openConsentRequests: number;
  /** Correction notices of the registry the back office has not acknowledged yet. */
  readonly openCorrectionNotices: number;
  readonly letterId: string | null;
  readonly startedAt: string;
  readonly submittedAt: string | null;
  readonly decidedAt: string | null;
  readonly updatedAt: string;
  readonly version: number;
  /**
   * The applicant was erased (a personal case): its personal values (prefilled values, form,
   * question, answer, reason, corrected values) read as `null`; status and timeline stay.
   */
  readonly personalDataErased: boolean;
}

/** A case in full, for its applicant and its back office. */
export interface CaseView extends CaseSummary {
  /** Each prefilled field; `value` is `null` once the applicant was erased. */
  readonly prefilled: Record<string, { readonly source: PrefillSource; readonly value: unknown }>;
  /** The submitted form; `null` before submission, or once the applicant was erased. */
  readonly form: unknown;
  /** `reason` is `null` once the applicant was erased. */
  readonly decision: {
    readonly outcome: DecisionOutcome;
    readonly reason: string | null;
  } | null;
  readonly consentRequests: readonly {
    readonly requestId: string;
    readonly categories: readonly string[];
    readonly purpose: string;
    readonly consentId: string | null;
  }[];
  /** The registry's correction notices that concern the case (GDPR Art. 19), oldest first. */
  readonly correctionNotices: readonly CorrectionNoticeView[];
}

/** A correction notice as a case shows it. */
export interface CorrectionNoticeView {
  readonly noticeId: string;
  readonly correctionId: string;
  /** Who was sent the correct value: the handling organisation or `procedures` (prefill). */
  readonly organisationId: string;
  readonly field: string;
  /** `null` once the applicant was erased. */
  readonly correctedValue: unknown;
  readonly acceptedAt: string;
  readonly receivedAt: string;
  readonly acknowledged: boolean;
}

/** The preview's answer: what each source would fill, and the person's standing default. */
export interface PreviewView {
  readonly caseId: string;
  readonly previewId: string;
  readonly expiresAt: string;
  readonly sources: readonly {
    readonly source: PrefillSource;
    readonly fields: readonly { readonly field: string; readonly category: string }[];
    readonly default: boolean;
    readonly rule: string;
  }[];
  readonly version: number;
}

const personField = (category: string): string =>
  category.slice(category.indexOf('.') + 1).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * A procedure case's use cases: the person starts a draft, previews and applies a prefill,
 * submits; the handling organisation's back office receives, reviews, asks, decides; the
 * decision letter goes to the letterbox.
 */
export class CaseService {
  constructor(
    private readonly store: EventStore,
    private readonly keyStore: SubjectKeyStore,
    private readonly dataSource: DataSource,
    private readonly catalogue: ProcedureCatalogue,
    private readonly personalSpace: PersonalSpaceService,
    private readonly registry: RegistryReads,
    private readonly preferences: PrefillPreferences,
    private readonly letterbox: Letterbox,
    private readonly consents: ConsentLookup,
    private readonly serviceToken: ServiceToken,
    private readonly clock: Clock,
    private readonly options: CaseServiceOptions,
  ) {}

  /** The person starts a procedure (its latest version unless one is named). */
  async start(
    context: RequestContext,
    input: {
      procedureId: string;
      procedureVersion?: number | undefined;
      businessNumber?: string | undefined;
      registrationNumber?: string | undefined;
    },
  ): Promise<CaseWritten> {
    const citizen = requireCitizen(context.principal, 'start a procedure');
    const definition =
      input.procedureVersion === undefined
        ? this.catalogue.latest(input.procedureId)
        : this.catalogue.version(input.procedureId, input.procedureVersion);
    if (definition === undefined) {
      throw ApplicationError.notFound(
        `no procedure ${input.procedureId}${input.procedureVersion === undefined ? '' : ` version ${input.procedureVersion}`}`,
      );
    }
    const businessNumber = input.businessNumber ?? null;
    if (definition.business !== (businessNumber !== null)) {
      throw ApplicationError.validationFailed('the business does not fit the procedure', [
        {
          field: 'businessNumber',
          message: definition.business
            ? 'a business procedure names the business the person manages'
            : 'a personal procedure names no business',
        },
      ]);
    }
    if (businessNumber !== null) {
      const business = await this.registry.business(businessNumber, definition.id);
      const managers = Array.isArray(business['managers'])
        ? (business['managers'] as unknown[])
        : [];
      const manages = managers.some(
        (m) =>
          typeof m === 'object' &&
          m !== null &&
          (m as Record<string, unknown>)['nationalId'] === citizen.subject,
      );
      if (!manages) {
        throw ApplicationError.forbidden(
          `the person is not a manager of business ${businessNumber}`,
        );
      }
    }
    const registrationNumber = await this.vehicleOf(
      definition,
      citizen.subject,
      input.registrationNumber,
    );
    const caseId = newIdFor(context, 'case');
    return this.run(
      context,
      caseId,
      {
        type: 'StartDraft',
        data: {
          caseId,
          procedureId: definition.id,
          procedureVersion: definition.version,
          applicant: citizen.subject,
          businessNumber,
          ...(registrationNumber === null ? {} : { registrationNumber }),
          organisationId: definition.organisationId,
        },
        metadata: { now: this.clock.now() },
      },
      undefined,
      await this.accessOf(citizen.subject, businessNumber),
    );
  }

  /** Which fields would come from which source, with the person's standing Yes/No. */
  async preview(context: RequestContext, caseId: string): Promise<PreviewView> {
    const citizen = requireCitizen(context.principal, 'preview a prefill');
    const { state, access } = await this.loadForWriting(caseId, (s) => {
      this.checkApplicant(s, citizen.subject);
    });
    const definition = this.definitionOf(state);
    const sources = ProcedureCatalogue.sourcesOf(definition).filter(
      (s) =>
        (s.source !== 'businesses' || state.businessNumber !== null) &&
        (s.source !== 'vehicles' || state.registrationNumber !== null),
    );
    const answers = await Promise.all(
      sources.map((s) => this.preferences.answer(state.applicant, s.source, state.procedureId)),
    );
    const now = this.clock.now();
    const previewId = newIdFor(context, 'preview');
    const expiresAt = new Date(now.getTime() + this.options.previewTtlMs);
    const previewed = sources.map((s, i) => ({
      source: s.source,
      fields: s.fields.map((f) => f.field),
      defaultAccept: answers[i]?.prefill ?? false,
      preferenceRule: answers[i]?.rule ?? 'default',
    }));
    const written = await this.run(
      context,
      caseId,
      {
        type: 'RecordPreview',
        data: { by: citizen.subject, previewId, sources: previewed, expiresAt },
        metadata: { now },
      },
      undefined,
      access,
    );
    return {
      caseId,
      previewId,
      expiresAt: expiresAt.toISOString(),
      sources: sources.map((s, i) => ({
        source: s.source,
        fields: s.fields,
        default: previewed[i]?.defaultAccept ?? false,
        rule: previewed[i]?.preferenceRule ?? 'default',
      })),
      version: written.version,
    };
  }

  /**
   * Fills the form from the sources the person accepted on a preview, and only those: a
   * declined source is never read. The preview is checked before anything is fetched.
   */
  async prefill(
    context: RequestContext,
    caseId: string,
    input: { previewId: string; sources: Partial<Record<PrefillSource, boolean>> },
  ) {
    const citizen = requireCitizen(context.principal, 'prefill a form');
    const { state, access } = await this.loadForWriting(caseId, (s) => {
      this.checkApplicant(s, citizen.subject);
    });
    const accepted = (Object.entries(input.sources) as [PrefillSource, boolean][])
      .filter(([, yes]) => yes)
      .map(([source]) => source);
    const command = (fields: readonly PrefilledField[], now: Date): CaseCommand => ({
      type: 'ApplyPrefill',
      data: { by: citizen.subject, previewId: input.previewId, accepted, fields },
      metadata: { now },
    });
    // The same rules the append will apply, before any source is read: a used or expired
    // preview, or a source the person said No to, fetches nothing.
    caseDecider.decide(command([], this.clock.now()), state);
    const definition = this.definitionOf(state);
    const fields: PrefilledField[] = [];
    for (const s of ProcedureCatalogue.sourcesOf(definition)) {
      if (!accepted.includes(s.source)) continue;
      const values = await this.fetch(s.source, state, access);
      for (const { field, category } of s.fields) {
        const value = this.valueOf(s.source, category, values);
        if (value === undefined || value === null) continue;
        fields.push({ field, source: s.source, category, valueJson: JSON.stringify(value) });
      }
    }
    const written = await this.run(
      context,
      caseId,
      command(fields, this.clock.now()),
      undefined,
      access,
    );
    return {
      ...written,
      fields: Object.fromEntries(
        fields.map((f) => [
          f.field,
          { source: f.source, value: JSON.parse(f.valueJson) as unknown },
        ]),
      ),
    };
  }

  /** Submits the form: the prefilled fields, overridden by what the person gives. */
  async submit(
    context: RequestContext,
    caseId: string,
    form: Record<string, unknown>,
    expectedVersion: number | undefined,
  ): Promise<CaseWritten> {
    const citizen = requireCitizen(context.principal, 'submit a form');
    const { state, access } = await this.loadForWriting(caseId, (s) => {
      this.checkApplicant(s, citizen.subject);
    });
    const definition = this.definitionOf(state);
    const merged: Record<string, unknown> = {};
    for (const [field, prefilled] of state.prefilled)
      merged[field] = JSON.parse(prefilled.valueJson);
    Object.assign(merged, form);
    const errors = this.catalogue.validate(definition, merged);
    if (errors.length > 0) {
      throw ApplicationError.validationFailed('the form does not conform to the procedure', errors);
    }
    return this.run(
      context,
      caseId,
      {
        type: 'Submit',
        data: { by: citizen.subject, formJson: JSON.stringify(merged) },
        metadata: { now: this.clock.now() },
      },
      expectedVersion,
      access,
    );
  }

  /** A back-office step on a submission of the caller's organisation. */
  async backOffice(
    context: RequestContext,
    caseId: string,
    step:
      | { readonly type: 'Receive' }
      | { readonly type: 'StartReview' }
      | { readonly type: 'RequestInformation'; readonly question: string }
      | {
          readonly type: 'RequestConsent';
          readonly categories: readonly DataCategory[];
          readonly purpose: string;
        },
    expectedVersion: number | undefined,
  ): Promise<CaseWritten & { readonly requestId?: string }> {
    const agency = requireAgency(context.principal, 'handle a submission');
    const by = agency.organisationId;
    const now = this.clock.now();
    switch (step.type) {
      case 'Receive':
      case 'StartReview':
        return this.run(
          context,
          caseId,
          { type: step.type, data: { by }, metadata: { now } },
          expectedVersion,
        );
      case 'RequestInformation': {
        const requestId = newIdFor(context, 'information');
        const written = await this.run(
          context,
          caseId,
          {
            type: 'RequestInformation',
            data: { by, requestId, question: step.question },
            metadata: { now },
          },
          expectedVersion,
        );
        return { ...written, requestId };
      }
      case 'RequestConsent': {
        const requestId = newIdFor(context, 'consent-request');
        const written = await this.run(
          context,
          caseId,
          {
            type: 'RequestConsent',
            data: { by, requestId, categories: step.categories, purpose: step.purpose },
            metadata: { now },
          },
          expectedVersion,
        );
        return { ...written, requestId };
      }
      default: {
        const unknown: never = step;
        throw new TypeError(`unhandled step ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The person answers the back office's question. */
  async answer(
    context: RequestContext,
    caseId: string,
    answer: string,
    expectedVersion: number | undefined,
  ) {
    const citizen = requireCitizen(context.principal, 'answer a question');
    return this.run(
      context,
      caseId,
      {
        type: 'ProvideInformation',
        data: { by: citizen.subject, answer },
        metadata: { now: this.clock.now() },
      },
      expectedVersion,
    );
  }

  /**
   * The back office decides; the decision letter then goes to the person's letter box with the
   * back office's token. A letterbox that cannot be reached does not undo the decision: the
   * letter reactor sends it later (same Idempotency-Key, so at most one letter).
   */
  async decide(
    context: RequestContext,
    caseId: string,
    decision: { outcome: DecisionOutcome; reason: string },
    expectedVersion: number | undefined,
  ): Promise<CaseWritten & { readonly letterId: string | null }> {
    const agency = requireAgency(context.principal, 'decide');
    const written = await this.run(
      context,
      caseId,
      {
        type: 'Decide',
        data: { by: agency.organisationId, ...decision },
        metadata: { now: this.clock.now() },
      },
      expectedVersion,
    );
    let letterId: string | null = null;
    if (context.bearerToken !== undefined) {
      try {
        letterId = await this.sendLetter(
          caseId,
          context.bearerToken,
          appendMetadata(context).actor,
        );
      } catch {
        // Left to the reactor: the decision stands, the letter follows.
      }
    }
    return { ...written, letterId };
  }

  /**
   * The person granted, in the consent service, the consent a back office asked for: checked
   * there (with the person's own token) against the request before it is recorded.
   */
  async consentGiven(
    context: RequestContext,
    caseId: string,
    requestId: string,
    consentId: string,
  ) {
    const citizen = requireCitizen(context.principal, 'record their consent');
    const { state, access } = await this.loadForWriting(caseId, (s) => {
      this.checkApplicant(s, citizen.subject);
    });
    const request = state.consentRequests.get(requestId);
    if (request === undefined) throw ApplicationError.notFound(`no consent request ${requestId}`);
    const consent = await this.consents.consent(consentId, context.bearerToken ?? '');
    const problems: string[] = [];
    if (consent === undefined) problems.push('the consent service has no such consent of yours');
    else {
      if (consent.subject !== citizen.subject) problems.push('it is not your consent');
      if (consent.status !== 'ACTIVE') problems.push(`it is ${consent.status}`);
      if (consent.organisationId !== state.organisationId)
        problems.push('it names another organisation');
      if (consent.purpose !== request.purpose) problems.push('it is for another purpose');
      if (consent.procedureId !== state.procedureId)
        problems.push('it is not given in this procedure');
      const missing = request.categories.filter((c) => !consent.categories.includes(c));
      if (missing.length > 0) problems.push(`it does not cover ${missing.join(', ')}`);
    }
    if (problems.length > 0) {
      throw ApplicationError.unprocessable(
        `the consent does not answer the request: ${problems.join('; ')}`,
      );
    }
    return this.run(
      context,
      caseId,
      {
        type: 'RecordConsentGiven',
        data: { requestId, consentId },
        metadata: { now: this.clock.now() },
      },
      undefined,
      access,
    );
  }

  /**
   * Delivers the decision letter of a decided case, unless it is recorded as sent; answers the
   * letter id. The Idempotency-Key is derived from the case, so a retry (the reactor after a
   * lost answer) gets the same letter.
   */
  async sendLetter(
    caseId: string,
    bearerToken: string,
    actor: Actor = PROCEDURES_ACTOR,
  ): Promise<string> {
    const { state, events, access } = await this.loadForWriting(caseId);
    if (state.letterId !== null) return state.letterId;
    if (state.decision === null) throw new TypeError(`case ${caseId} is not decided`);
    const definition = this.definitionOf(state);
    const decidedAt = events.find((e) => e.type === 'SubmissionDecided');
    const approved = state.decision.outcome === 'approved';
    const subject = `${definition.title.fr}: ${approved ? 'décision favorable' : 'décision de refus'}`;
    const pdf = textPdf([
      definition.title.fr,
      `${definition.title.en} (version ${definition.version})`,
      '',
      `Dossier: ${caseId}`,
      `Demandeur / applicant: ${state.applicant}`,
      ...(state.businessNumber === null ? [] : [`Entreprise / business: ${state.businessNumber}`]),
      `Organisme / organisation: ${state.organisationId}`,
      `Date: ${decidedAt?.type === 'SubmissionDecided' ? decidedAt.data.decidedAt.toISOString() : ''}`,
      '',
      `Décision / decision: ${approved ? 'approuvée / approved' : 'refusée / rejected'}`,
      ...(state.decision.reason === '' ? [] : [`Motif / reason: ${state.decision.reason}`]),
    ]);
    const letter = await this.letterbox.deliver(
      {
        recipientNationalId: state.applicant,
        subject,
        caseId,
        pdf,
        organisationId: state.organisationId,
      },
      bearerToken,
      `decision-letter-${caseId}`,
    );
    await handleCommand(
      this.store,
      { decider: caseDecider, codec: caseCodecFor(access) },
      streamIds.case(caseId),
      {
        type: 'RecordDecisionLetter',
        data: { letterId: letter.letterId, sha256: letter.sha256 },
        metadata: { now: this.clock.now() },
      },
      { metadata: { correlationId: `decision-letter-${caseId}`, actor } },
    );
    return letter.letterId;
  }

  /** The decided cases whose letter is due: the reactor's to-do list. */
  async lettersDue(limit: number): Promise<string[]> {
    const before = new Date(this.clock.now().getTime() - this.options.letterGraceMs);
    const rows = await this.dataSource.manager
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .select('c.caseId')
      .where(
        "c.status = 'decided' AND c.letter_id IS NULL AND c.personal_data_erased_at IS NULL" +
          ' AND c.decided_at < :before',
        { before },
      )
      .orderBy('c.decided_at')
      .limit(limit)
      .getMany();
    return rows.map((row) => row.caseId);
  }

  /** The service's own token, for the reactor. */
  token(): Promise<string> {
    return this.serviceToken.get();
  }

  /** The person's active and completed procedures. */
  async dashboard(context: RequestContext) {
    const citizen = requireCitizen(context.principal, 'see their dashboard');
    const rows = await this.dataSource.manager
      .getRepository(CaseEntity)
      .find({ where: { applicant: citizen.subject }, order: { updatedAt: 'DESC' }, take: 500 });
    const summaries = await this.summaries(rows);
    return {
      active: summaries.filter((s) => s.status !== 'decided'),
      completed: summaries.filter((s) => s.status === 'decided'),
    };
  }

  /** The submissions of the caller's organisation, newest first. */
  async submissions(context: RequestContext, status: string | undefined) {
    const agency = requireAgency(context.principal, 'list submissions');
    const query = this.dataSource.manager
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .where("c.organisation_id = :org AND c.status <> 'draft'", { org: agency.organisationId })
      .orderBy('c.updated_at', 'DESC')
      .limit(500);
    if (status !== undefined) query.andWhere('c.status = :status', { status });
    return this.summaries(await query.getMany());
  }

  /**
   * A case in full: its applicant, or the back office of its organisation once submitted. Its
   * personal values are opened from the log with the keys this site has; once the applicant was
   * erased they read as `null` (`personalDataErased`), the rest stays (the administration's
   * file).
   *
   * @throws `KeyUnavailableError` (503) on a site the applicant's key has not reached yet.
   */
  async view(context: RequestContext, caseId: string): Promise<CaseView> {
    const {
      state,
      events,
      recorded,
      erased: erasedInLog,
    } = await this.load(caseId, (s) => {
      this.checkReader(context, s);
    });
    const row = await this.dataSource.manager.getRepository(CaseEntity).findOneBy({ caseId });
    const erased = erasedInLog || (row?.personalDataErasedAt ?? null) !== null;
    const submitted = events.find((e) => e.type === 'Submitted');
    const last = recorded.at(-1);
    const base: CaseSummary = row
      ? this.summary(row, null)
      : {
          caseId,
          procedureId: state.procedureId,
          procedureVersion: state.procedureVersion,
          title: this.catalogue.version(state.procedureId, state.procedureVersion)?.title ?? null,
          organisationId: state.organisationId,
          applicant: state.applicant,
          businessNumber: state.businessNumber,
          status: state.status,
          outcome: state.decision?.outcome ?? null,
          openQuestion: null,
          openConsentRequests: 0,
          openCorrectionNotices: 0,
          letterId: state.letterId,
          startedAt: recorded[0]?.occurredAt.toISOString() ?? '',
          submittedAt: null,
          decidedAt: null,
          updatedAt: last?.occurredAt.toISOString() ?? '',
          version: last?.streamVersion ?? 0,
          personalDataErased: false,
        };
    const json = (text: string): unknown => (erased ? null : (JSON.parse(text) as unknown));
    return {
      ...base,
      status: state.status,
      version: last?.streamVersion ?? 0,
      openQuestion: erased ? null : openQuestionOf(state, events),
      personalDataErased: erased,
      prefilled: Object.fromEntries(
        [...state.prefilled.values()].map((f) => [
          f.field,
          { source: f.source, value: json(f.valueJson) },
        ]),
      ),
      form: submitted?.type === 'Submitted' ? json(submitted.data.formJson) : null,
      decision:
        state.decision === null
          ? null
          : { outcome: state.decision.outcome, reason: erased ? null : state.decision.reason },
      consentRequests: [...state.consentRequests.entries()].map(([requestId, r]) => ({
        requestId,
        ...r,
      })),
      correctionNotices: events.flatMap((event) =>
        event.type === 'CorrectionNoticeReceived'
          ? [
              {
                noticeId: event.data.noticeId,
                correctionId: event.data.correctionId,
                organisationId: event.data.organisationId,
                field: event.data.field,
                correctedValue: json(event.data.correctedValueJson),
                acceptedAt: event.data.acceptedAt.toISOString(),
                receivedAt: event.data.receivedAt.toISOString(),
                acknowledged:
                  state.correctionNotices.get(event.data.noticeId)?.acknowledged ?? false,
              },
            ]
          : [],
      ),
    };
  }

  /**
   * Records a registry correction notice on every case of the person it concerns (see
   * `concernsCase`): the handling organisation's submitted cases, or, for a notice to the
   * procedures service, the cases it prefilled with the field. Safe to repeat: a case that has
   * the notice is left as it is. Answers the cases it was recorded on now.
   */
  async recordCorrectionNotice(notice: ReceivedCorrectionNotice): Promise<string[]> {
    const query = this.dataSource.manager
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .select('c.caseId')
      .where('c.applicant = :applicant AND c.personal_data_erased_at IS NULL', {
        applicant: notice.recordId,
      })
      .orderBy('c.started_at');
    if (notice.organisationId !== PREFILL_ORGANISATION) {
      query.andWhere("c.organisation_id = :org AND c.status <> 'draft'", {
        org: notice.organisationId,
      });
    }
    const data = {
      noticeId: notice.noticeId,
      correctionId: notice.correctionId,
      organisationId: notice.organisationId,
      field: notice.field,
      correctedValueJson: notice.correctedValueJson,
      acceptedAt: notice.acceptedAt,
    };
    const recorded: string[] = [];
    for (const { caseId } of await query.getMany()) {
      let loaded;
      try {
        loaded = await this.loadForWriting(caseId);
      } catch (error) {
        // Erased since the query: nothing is recorded for the person any more.
        if (error instanceof SubjectErasedError) continue;
        throw error;
      }
      const { state, access } = loaded;
      if (!concernsCase(state, notice.organisationId, notice.field)) continue;
      const result = await handleCommand(
        this.store,
        { decider: caseDecider, codec: caseCodecFor(access) },
        streamIds.case(caseId),
        { type: 'RecordCorrectionNotice', data, metadata: { now: this.clock.now() } },
        {
          metadata: {
            correlationId: `correction-notice-${notice.noticeId}`,
            actor: PROCEDURES_ACTOR,
          },
        },
      );
      if (result.appended.length > 0) recorded.push(caseId);
    }
    return recorded;
  }

  /** The back office takes note of a correction notice of one of its submissions. */
  async acknowledgeCorrectionNotice(
    context: RequestContext,
    caseId: string,
    noticeId: string,
    expectedVersion: number | undefined,
  ): Promise<CaseWritten> {
    const agency = requireAgency(context.principal, 'acknowledge a correction notice');
    return this.run(
      context,
      caseId,
      {
        type: 'AcknowledgeCorrectionNotice',
        data: { by: agency.organisationId, noticeId },
        metadata: { now: this.clock.now() },
      },
      expectedVersion,
    );
  }

  /** Every step of a case, oldest first, with its time and actor. */
  async timeline(
    context: RequestContext,
    caseId: string,
  ): Promise<{ caseId: string; steps: TimelineStep[] }> {
    const { state, events, recorded, keys } = await this.load(caseId, (s) => {
      this.checkReader(context, s);
    });
    // Values written in clear before sealing are hidden too once the applicant is erased.
    const caseErased =
      state.businessNumber === null &&
      ((await this.dataSource.manager.getRepository(CaseEntity).findOneBy({ caseId }))
        ?.personalDataErasedAt ?? null) !== null;
    const steps = events.map((event, i) => {
      const r = recorded[i] as RecordedEvent;
      const erased = isErasedIn(r, keys) || (caseErased && PERSONAL_STEPS.has(event.type));
      return {
        at: r.occurredAt.toISOString(),
        step: event.type,
        actor: actorView(r.actor),
        details: erased ? erasedDetailsOf(event) : detailsOf(event),
        version: r.streamVersion,
      };
    });
    return { caseId, steps };
  }

  /**
   * The rows as summaries, with the open question of each case that waits for an answer read
   * from its log (the read model does not hold it: it is sealed).
   */
  private async summaries(rows: readonly CaseRow[]): Promise<CaseSummary[]> {
    const summaries: CaseSummary[] = [];
    for (const row of rows) {
      let question: string | null = null;
      if (row.awaitingAnswer && row.personalDataErasedAt === null) {
        const { state, events, erased } = await this.load(row.caseId);
        if (erased) {
          // The key is gone before the projection marks the row: the log says so first.
          summaries.push({ ...this.summary(row, null), personalDataErased: true });
          continue;
        }
        question = openQuestionOf(state, events);
      }
      summaries.push(this.summary(row, question));
    }
    return summaries;
  }

  private summary(row: CaseRow, openQuestion: string | null): CaseSummary {
    return {
      caseId: row.caseId,
      procedureId: row.procedureId,
      procedureVersion: row.procedureVersion,
      title: this.catalogue.version(row.procedureId, row.procedureVersion)?.title ?? null,
      organisationId: row.organisationId,
      applicant: row.applicant,
      businessNumber: row.businessNumber,
      status: row.status,
      outcome: row.outcome,
      openQuestion,
      openConsentRequests: row.openConsentRequests,
      openCorrectionNotices: row.openCorrectionNotices,
      letterId: row.letterId,
      startedAt: row.startedAt.toISOString(),
      submittedAt: row.submittedAt?.toISOString() ?? null,
      decidedAt: row.decidedAt?.toISOString() ?? null,
      updatedAt: row.updatedAt.toISOString(),
      version: row.version,
      personalDataErased: row.personalDataErasedAt !== null,
    };
  }

  private checkReader(context: RequestContext, state: CaseState): void {
    const p = context.principal;
    if (p.kind === 'citizen' && p.subject === state.applicant) return;
    if (
      p.kind === 'agency' &&
      p.organisationId === state.organisationId &&
      state.status !== 'draft'
    )
      return;
    // Neither the applicant nor its back office: as if it did not exist.
    throw ApplicationError.notFound('no such case');
  }

  private checkApplicant(state: CaseState, subject: string): void {
    if (state.applicant !== subject) throw ApplicationError.notFound('no such draft');
  }

  /**
   * The vehicle a vehicle procedure's draft names (400 without one, or with one for another
   * procedure), as the registry keeps its number; the registry must show the person as its
   * owner now (403 otherwise), as it does for a business the person manages.
   */
  private async vehicleOf(
    definition: ProcedureDefinition,
    applicant: string,
    given: string | undefined,
  ): Promise<string | null> {
    if (definition.vehicle !== (given !== undefined)) {
      throw ApplicationError.validationFailed('the vehicle does not fit the procedure', [
        {
          field: 'registrationNumber',
          message: definition.vehicle
            ? 'a vehicle procedure names the vehicle the person owns'
            : 'this procedure names no vehicle',
        },
      ]);
    }
    if (given === undefined) return null;
    const vehicle = await this.registry.vehicle(given, definition.id);
    const owner = vehicle['owner'] as Record<string, unknown> | undefined;
    if (owner?.['kind'] !== 'person' || owner['nationalId'] !== applicant) {
      throw ApplicationError.forbidden(`the person does not own vehicle ${given}`);
    }
    return typeof vehicle['registrationNumber'] === 'string'
      ? vehicle['registrationNumber']
      : given;
  }

  private definitionOf(state: CaseState): ProcedureDefinition {
    const definition = this.catalogue.version(state.procedureId, state.procedureVersion);
    if (definition === undefined) {
      // A shipped version is never removed; a catalogue without it is an operator's error.
      throw ApplicationError.serviceUnavailable(
        `procedure ${state.procedureId} version ${state.procedureVersion} is missing from the catalogue`,
      );
    }
    return definition;
  }

  private async fetch(
    source: PrefillSource,
    state: CaseState,
    access: PersonalDataAccess,
  ): Promise<Record<string, unknown>> {
    switch (source) {
      case 'persons':
        return this.registry.person(state.applicant, state.procedureId);
      case 'businesses':
        if (state.businessNumber === null) return {};
        return this.registry.business(state.businessNumber, state.procedureId);
      case 'vehicles':
        if (state.registrationNumber === null) return {};
        return this.registry.vehicle(state.registrationNumber, state.procedureId);
      case 'personal-space':
        return this.personalSpace.itemsOf(state.applicant, access.keys ?? KeyRing.EMPTY);
      default: {
        const unknown: never = source;
        throw new TypeError(`unknown source ${String(unknown)}`);
      }
    }
  }

  private valueOf(
    source: PrefillSource,
    category: string,
    values: Record<string, unknown>,
  ): unknown {
    if (source === 'personal-space')
      return values[category.slice('personal-space.'.length) as PersonalItem];
    return values[personField(category)];
  }

  /**
   * A case's stream, and the person its personal values are about (`null`: a business case):
   * its first event, DraftStarted, holds nothing sealed.
   */
  private async readCase(caseId: string) {
    const recorded = await this.store.readStream(streamIds.case(caseId));
    const first = recorded[0];
    // No case: the fold or the decider answers it, as for any other command.
    if (first === undefined) return { recorded, subject: null };
    const started = caseCodec.decode(first);
    if (started.type !== 'DraftStarted') {
      throw new MalformedProceduresPayloadError(`case ${caseId} does not start with a draft`);
    }
    const subject = started.data.businessNumber === null ? started.data.applicant : null;
    return { recorded, subject };
  }

  private fold(recorded: readonly RecordedEvent[], access: PersonalDataAccess) {
    const codec = caseCodecFor(access);
    const events = recorded.map((r) => codec.decode(r));
    const state = evolveAll(caseDecider, events);
    if (state.status === 'none') throw ApplicationError.notFound('no such case');
    return { state, events, recorded };
  }

  /**
   * A case for reading, opened with what this site knows of its keys (nothing is created);
   * `erased`: some of its values were sealed under a destroyed key. `authorize` sees the case
   * before any key is looked up, so that a caller who may not see it learns nothing of its
   * keys (503) or of its applicant's erasure.
   */
  private async load(caseId: string, authorize?: (state: CaseState) => void) {
    const { recorded, subject } = await this.readCase(caseId);
    authorize?.(this.fold(recorded, WITHOUT_PERSONAL_DATA).state);
    const keys =
      subject === null
        ? KeyRing.EMPTY
        : await KeyRing.forReading(this.keyStore, keyIdsOf(recorded));
    const folded = this.fold(recorded, { subject, keys });
    return { ...folded, keys, erased: recorded.some((r) => isErasedIn(r, keys)) };
  }

  /**
   * A case for a command: opened and sealed with its applicant's live key.
   *
   * @throws `SubjectErasedError` (410) once the applicant was erased: their case takes no
   *   change any more.
   */
  private async loadForWriting(caseId: string, authorize?: (state: CaseState) => void) {
    const { recorded, subject } = await this.readCase(caseId);
    authorize?.(this.fold(recorded, WITHOUT_PERSONAL_DATA).state);
    const access = await this.writeAccess(subject);
    return { ...this.fold(recorded, access), access };
  }

  /**
   * What a command on a case of `applicant` seals with: the live key of the person for a
   * personal case; nothing for a business case (the business's data is not sealed), though
   * an erased person starts none either.
   *
   * @throws `SubjectErasedError` once the person was erased.
   */
  private async accessOf(
    applicant: string,
    businessNumber: string | null,
  ): Promise<PersonalDataAccess> {
    if (businessNumber === null) return this.writeAccess(applicant);
    const key = await this.keyStore.stateOf(applicant);
    if (key?.state === 'destroyed') throw new SubjectErasedError(applicant, key.destroyedAt);
    return { subject: null, keys: KeyRing.EMPTY };
  }

  private async writeAccess(subject: string | null): Promise<PersonalDataAccess> {
    if (subject === null) return { subject: null, keys: KeyRing.EMPTY };
    return { subject, keys: await KeyRing.forWriting(this.keyStore, [subject]) };
  }

  private async run(
    context: RequestContext,
    caseId: string,
    command: CaseCommand,
    expectedVersion?: number,
    known?: PersonalDataAccess,
  ): Promise<CaseWritten> {
    let access = known;
    if (access === undefined) {
      const { recorded, subject } = await this.readCase(caseId);
      // The decision's own checks (who may, in which state) before the keys: a caller the case
      // refuses learns nothing of its applicant's erasure. Decided again on the append.
      caseDecider.decide(command, this.fold(recorded, WITHOUT_PERSONAL_DATA).state);
      access = await this.writeAccess(subject);
    }
    const result = await handleCommand(
      this.store,
      { decider: caseDecider, codec: caseCodecFor(access) },
      streamIds.case(caseId),
      command,
      {
        metadata: appendMetadata(context),
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
      },
    );
    return {
      caseId,
      status: result.state.status,
      version: result.streamVersion,
      changed: result.appended.length > 0,
    };
  }
}

function actorView(actor: Actor | null): TimelineStep['actor'] {
  if (actor === null) return { kind: 'unknown', id: '' };
  return {
    kind: actor.kind,
    id: actor.id,
    ...('organisationId' in actor && typeof actor.organisationId === 'string'
      ? { organisationId: actor.organisationId }
      : {}),
  };
}

/** The open question of a case that waits for an answer. */
function openQuestionOf(state: CaseState, events: readonly CaseEvent[]): string | null {
  if (state.status !== 'information-requested' || state.openRequestId === null) return null;
  const request = events.findLast(
    (e) => e.type === 'InformationRequested' && e.data.requestId === state.openRequestId,
  );
  return request?.type === 'InformationRequested' ? request.data.question : null;
}

/** The steps that hold personal values (sealed since revision 2). */
const PERSONAL_STEPS = new Set<CaseEvent['type']>([
  'PrefillApplied',
  'Submitted',
  'InformationRequested',
  'InformationProvided',
  'SubmissionDecided',
  'CorrectionNoticeReceived',
]);

/** A step's details once its personal values are erased: those are `null`, the rest stays. */
function erasedDetailsOf(event: CaseEvent): Record<string, unknown> {
  const details = detailsOf(event);
  const personal = ['question', 'answer', 'reason', 'correctedValue', 'contentSha256'];
  for (const key of personal) if (key in details) details[key] = null;
  return { ...details, personalDataErased: true };
}

function detailsOf(event: CaseEvent): Record<string, unknown> {
  switch (event.type) {
    case 'DraftStarted':
      return {
        procedureId: event.data.procedureId,
        procedureVersion: event.data.procedureVersion,
        businessNumber: event.data.businessNumber,
        organisationId: event.data.organisationId,
      };
    case 'PrefillPreviewed':
      return {
        previewId: event.data.previewId,
        expiresAt: event.data.expiresAt.toISOString(),
        sources: event.data.sources.map((s) => ({
          source: s.source,
          fields: s.fields,
          default: s.defaultAccept,
          rule: s.preferenceRule,
        })),
      };
    case 'PrefillApplied':
      return {
        previewId: event.data.previewId,
        accepted: event.data.accepted,
        declined: event.data.declined,
        fields: event.data.fields.map((f) => ({
          field: f.field,
          source: f.source,
          category: f.category,
        })),
      };
    case 'Submitted':
      return { contentSha256: createHash('sha256').update(event.data.formJson).digest('hex') };
    case 'SubmissionReceived':
    case 'ReviewStarted':
      return {};
    case 'InformationRequested':
      return { requestId: event.data.requestId, question: event.data.question };
    case 'InformationProvided':
      return { requestId: event.data.requestId, answer: event.data.answer };
    case 'SubmissionDecided':
      return { outcome: event.data.outcome, reason: event.data.reason };
    case 'DecisionLetterSent':
      return { letterId: event.data.letterId, sha256: event.data.sha256 };
    case 'ConsentRequested':
      return {
        requestId: event.data.requestId,
        organisationId: event.data.organisationId,
        categories: event.data.categories,
        purpose: event.data.purpose,
      };
    case 'ConsentGiven':
      return { requestId: event.data.requestId, consentId: event.data.consentId };
    case 'CorrectionNoticeReceived':
      return {
        summary: `correction of ${event.data.field} communicated to ${event.data.organisationId}`,
        noticeId: event.data.noticeId,
        correctionId: event.data.correctionId,
        organisationId: event.data.organisationId,
        field: event.data.field,
        correctedValue: JSON.parse(event.data.correctedValueJson) as unknown,
        acceptedAt: event.data.acceptedAt.toISOString(),
      };
    case 'CorrectionNoticeAcknowledged':
      return { noticeId: event.data.noticeId };
    default: {
      const unknown: never = event;
      throw new TypeError(`unhandled case event ${JSON.stringify(unknown)}`);
    }
  }
}
