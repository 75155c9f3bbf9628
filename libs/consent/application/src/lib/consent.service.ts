import {
  ConcurrencyError,
  ExpectedVersionMismatchError,
  handleCommand,
} from '@gov/platform-event-sourcing';
import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import type { EntityManager } from 'typeorm';
import { ApplicationError } from '@gov/platform-chassis';
import type { Principal } from '@gov/platform-auth';
import { consentDecider, consentStatus } from '@gov/consent-domain';
import type {
  ConsentCommand,
  ConsentEvent,
  ConsentStatus,
  ConsentTerms,
  ConsentState,
} from '@gov/consent-domain';
import { DomainRejection, evolveAll } from '@gov/platform-decider';
import type { LegalBasisCatalogue } from '@gov/platform-legal-bases';

import { CONSENT_EVENT_TYPES, consentCodec, decodePermit } from './codecs';
import type { PermitRecord } from './codecs';
import { appendMetadata, newIdFor, requireCitizen } from './context';
import type { Clock, RequestContext } from './context';
import type { ConsentFilter, PgConsentReads } from './consent-reads';
import { consentReceipt } from './receipts';
import type { ConsentReceipt, ReceiptEventType, ReceiptSigner } from './receipts';
import type { ConsentRow, RecordedConsentStatus } from './schema';
import { streamIds } from './streams';
import { erasureUnderLock } from './subject-lock';

/** The store the use cases write through: appends, and appends that commit together. */
export interface ConsentStore extends EventStore {
  /**
   * Runs `work` in one transaction: its appends through `store` and its reads and writes of the
   * own tables through `manager` commit together or not at all.
   */
  transaction<T>(
    work: (transaction: {
      readonly store: EventStore;
      readonly manager: EntityManager;
    }) => Promise<T>,
  ): Promise<T>;
}

/** What a person grants (the HTTP body, validated). */
export interface GrantInput {
  /** If given, must be the caller's own national identification number. */
  readonly subject?: string | undefined;
  readonly organisationId: string;
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly procedureId?: string | null | undefined;
  /** Default: now. */
  readonly validFrom?: Date | undefined;
  readonly validUntil: Date;
  readonly maxUses?: number | null | undefined;
  /** Default `fr`. */
  readonly language?: string | undefined;
}

/** The outcome of a command on an artefact. */
export interface ConsentWritten {
  readonly consentId: string;
  readonly status: ConsentStatus;
  /** The artefact stream's version afterwards (its `ETag`). */
  readonly version: number;
  /** Whether anything changed (`false`: a repeat). */
  readonly changed: boolean;
  /** The receipt of this change, when it yields one (grant, change, revocation). */
  readonly receiptId: string | null;
}

/** An artefact as its readers see it, with its status at the instant of reading. */
export interface ConsentView {
  readonly consentId: string;
  readonly subject: string;
  readonly organisationId: string;
  readonly organisationName: string | null;
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly maxUses: number | null;
  readonly uses: number;
  readonly lastUseAt: string | null;
  readonly status: ConsentStatus;
  readonly supersedes: string | null;
  readonly supersededBy: string | null;
  readonly grantedAt: string;
  readonly endedAt: string | null;
  readonly language: string;
  readonly version: number;
}

/** One receipt: its id (the id of the event it records) and the signed JWS. */
export interface ReceiptView {
  readonly receiptId: string;
  readonly eventType: ReceiptEventType;
  readonly issuedAt: string;
  readonly jws: string;
  readonly receipt: ConsentReceipt;
}

/** One event of an artefact's history, for the person's export. */
export interface HistoryEntry {
  readonly eventId: string;
  readonly eventType: string;
  readonly streamVersion: number;
  readonly recordedAt: string;
  readonly actor: { readonly kind: string; readonly id: string } | null;
  readonly data: unknown;
}

/** GDPR Art. 15: a person's consents, complete. */
export interface ConsentExport {
  readonly subject: string;
  readonly exportedAt: string;
  readonly consents: readonly {
    readonly consent: ConsentView;
    readonly history: readonly HistoryEntry[];
    readonly receipts: readonly { readonly receiptId: string; readonly jws: string }[];
    readonly uses: readonly PermitView[];
  }[];
  /** Uses of the person's data permitted on a legal basis (sealed ones only for a DPO). */
  readonly legalBasisUses: readonly PermitView[];
}

/** A permitted use, as a reader sees it. */
export interface PermitView {
  readonly decisionId: string;
  readonly organisationId: string;
  readonly actorId: string;
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly categories: readonly string[];
  readonly consentId: string | null;
  readonly legalBasisId: string | null;
  readonly legalBasisReference: string | null;
  readonly decidedAt: string;
  readonly sealedUntil: string | null;
  readonly useNumber: number;
}

/** Options of the consent use cases. */
export interface ConsentServiceOptions {
  /** The receipts' `jurisdiction` (default `LU`). */
  readonly jurisdiction?: string;
}

const RECEIPT_EVENTS: ReadonlySet<string> = new Set([
  CONSENT_EVENT_TYPES.granted,
  CONSENT_EVENT_TYPES.superseded,
  CONSENT_EVENT_TYPES.revoked,
]);

/** Appends on the same stream after a concurrent one are retried this often. */
const MAX_RETRIES = 5;

/**
 * Consent artefacts: a citizen grants, changes (a new artefact superseding the old), pauses,
 * resumes and revokes their own; readers see them as their role allows (the person their own,
 * an organisation those naming it, a data-protection officer all). Every grant, change and
 * revocation yields a signed receipt, made from the log on request.
 */
export class ConsentService {
  private readonly jurisdiction: string;

  constructor(
    private readonly store: ConsentStore,
    private readonly reads: PgConsentReads,
    private readonly catalogue: LegalBasisCatalogue,
    private readonly clock: Clock,
    private readonly signer: ReceiptSigner,
    options: ConsentServiceOptions = {},
  ) {
    this.jurisdiction = options.jurisdiction ?? 'LU';
  }

  /**
   * A citizen grants an organisation the use of their data; refused (410 `DATA_ERASED`) once the
   * registry erased them.
   */
  async grant(context: RequestContext, input: GrantInput): Promise<ConsentWritten> {
    const citizen = requireCitizen(context.principal, 'grant a consent');
    const now = this.clock.now();
    const consentId = newIdFor(context, 'consent');
    const result = await this.store.transaction(async ({ store, manager }) => {
      const erasedAt = await erasureUnderLock(manager, citizen.subject);
      return handleCommand(
        store,
        { decider: consentDecider, codec: consentCodec },
        streamIds.consent(consentId),
        this.grantCommand(citizen.subject, consentId, input, null, now, erasedAt),
        { metadata: appendMetadata(context), expectedVersion: 0 },
      );
    });
    return written(consentId, result.state, result.streamVersion, now, result.appended);
  }

  /**
   * A citizen changes the terms of their artefact: a new artefact with the new terms, and the
   * old one superseded, in one transaction. Answers the new artefact.
   */
  async change(
    context: RequestContext,
    consentId: string,
    input: GrantInput,
    expectedVersion?: number,
  ): Promise<ConsentWritten & { readonly supersedes: string }> {
    const citizen = requireCitizen(context.principal, 'change a consent');
    const newId = newIdFor(context, 'consent');
    for (let attempt = 1; ; attempt += 1) {
      const now = this.clock.now();
      try {
        const outcome = await this.store.transaction(async ({ store, manager }) => {
          const aggregate = { decider: consentDecider, codec: consentCodec };
          const metadata = appendMetadata(context);
          const erasedAt = await erasureUnderLock(manager, citizen.subject);
          const granted = await handleCommand(
            store,
            aggregate,
            streamIds.consent(newId),
            this.grantCommand(citizen.subject, newId, input, consentId, now, erasedAt),
            { metadata, expectedVersion: 0 },
          );
          await handleCommand(
            store,
            aggregate,
            streamIds.consent(consentId),
            {
              type: 'SupersedeConsent',
              data: { consentId, by: citizen.subject, supersededBy: newId },
              metadata: { now },
            },
            {
              metadata,
              maxRetries: 0,
              ...(expectedVersion === undefined ? {} : { expectedVersion }),
            },
          );
          return granted;
        });
        return {
          ...written(newId, outcome.state, outcome.streamVersion, now, outcome.appended),
          supersedes: consentId,
        };
      } catch (error) {
        if (attempt > MAX_RETRIES || !isRetriableConflict(error, expectedVersion)) throw error;
      }
    }
  }

  /** The person pauses their artefact: uses are denied until they resume it. */
  pause(context: RequestContext, consentId: string, expectedVersion?: number) {
    return this.command(context, consentId, 'PauseConsent', expectedVersion);
  }

  /** The person resumes a paused artefact. */
  resume(context: RequestContext, consentId: string, expectedVersion?: number) {
    return this.command(context, consentId, 'ResumeConsent', expectedVersion);
  }

  /** The person revokes their artefact, for good. */
  revoke(context: RequestContext, consentId: string, expectedVersion?: number) {
    return this.command(context, consentId, 'RevokeConsent', expectedVersion);
  }

  /** One artefact, for the person, the organisation it names, or a DPO. */
  async get(context: RequestContext, consentId: string): Promise<ConsentView> {
    const row = await this.reads.consent(consentId);
    if (row === null) throw notFound(consentId);
    requireReader(context.principal, row);
    return this.view(row, this.clock.now());
  }

  /** The artefacts the caller may see: their own, their organisation's, or (DPO) any. */
  async list(
    context: RequestContext,
    filter: Omit<ConsentFilter, 'organisationId'> & { readonly organisationId?: string },
  ): Promise<ConsentView[]> {
    const { principal } = context;
    let scoped: ConsentFilter;
    switch (principal.kind) {
      case 'citizen':
        if (filter.subject !== undefined && filter.subject !== principal.subject) {
          throw ApplicationError.forbidden('a citizen lists only their own consents');
        }
        scoped = { ...filter, subject: principal.subject };
        break;
      case 'agency':
        if (
          filter.organisationId !== undefined &&
          filter.organisationId !== principal.organisationId
        ) {
          throw ApplicationError.forbidden('an organisation lists only the consents naming it');
        }
        scoped = { ...filter, organisationId: principal.organisationId };
        break;
      case 'dpo':
        scoped = filter;
        break;
      default:
        throw ApplicationError.forbidden(`a ${principal.kind} does not read consents`);
    }
    const now = this.clock.now();
    return (await this.reads.list(scoped)).map((row) => this.view(row, now));
  }

  /** The receipts of an artefact, oldest first. */
  async receipts(context: RequestContext, consentId: string): Promise<ReceiptView[]> {
    const { events, row } = await this.readable(context, consentId);
    return this.receiptsOf(row, events);
  }

  /** One receipt of an artefact. */
  async receipt(
    context: RequestContext,
    consentId: string,
    receiptId: string,
  ): Promise<ReceiptView> {
    const { events, row } = await this.readable(context, consentId);
    const event = events.find((e) => e.eventId === receiptId && RECEIPT_EVENTS.has(e.eventType));
    if (event === undefined) {
      throw ApplicationError.notFound(`consent ${consentId} has no receipt ${receiptId}`);
    }
    return this.receiptOf(row, events, event);
  }

  /** GDPR Art. 15: every consent of `subject` with its history, receipts and uses. */
  async export(context: RequestContext, subject: string): Promise<ConsentExport> {
    const { principal } = context;
    const dpo = principal.kind === 'dpo';
    if (!dpo && !(principal.kind === 'citizen' && principal.subject === subject)) {
      throw ApplicationError.forbidden('a person exports their own consents; a DPO anyone’s');
    }
    const now = this.clock.now();
    const rows = await this.reads.list({ subject, limit: 500 });
    const consents = [];
    for (const row of rows) {
      const events = await this.store.readStream(streamIds.consent(row.consentId));
      const receipts = await this.receiptsOf(row, events);
      consents.push({
        consent: this.view(row, now),
        history: events.map(historyEntry),
        receipts: receipts.map(({ receiptId, jws }) => ({ receiptId, jws })),
        uses: events
          .filter((e) => e.eventType === CONSENT_EVENT_TYPES.accessPermitted)
          .map((e) => permitView(decodePermit(e))),
      });
    }
    const legalBasisUses = (await this.store.readStream(streamIds.decisions(subject)))
      .map((e) => decodePermit(e))
      .filter((permit) => dpo || permit.sealedUntil === null || permit.sealedUntil <= now)
      .map(permitView);
    return { subject, exportedAt: now.toISOString(), consents, legalBasisUses };
  }

  private grantCommand(
    grantedBy: string,
    consentId: string,
    input: GrantInput,
    supersedes: string | null,
    now: Date,
    subjectErasedAt: Date | null,
  ): ConsentCommand {
    const issues = [];
    if (this.catalogue.organisation(input.organisationId) === undefined) {
      issues.push({
        field: 'organisationId',
        code: 'unknown',
        message: `${input.organisationId} is not an organisation of the platform`,
      });
    }
    input.categories.forEach((category, i) => {
      if (!this.catalogue.isCategory(category)) {
        issues.push({
          field: `categories.${String(i)}`,
          code: 'unknown',
          message: `${category} is not a known data category`,
        });
      }
    });
    if (issues.length > 0) {
      throw new DomainRejection('INVALID_INPUT', 'the terms are invalid', issues);
    }
    const terms: ConsentTerms = {
      subject: input.subject ?? grantedBy,
      organisationId: input.organisationId,
      categories: [...input.categories].sort(),
      purpose: input.purpose,
      procedureId: input.procedureId ?? null,
      validFrom: input.validFrom ?? now,
      validUntil: input.validUntil,
      maxUses: input.maxUses ?? null,
      language: input.language ?? 'fr',
    };
    return {
      type: 'GrantConsent',
      data: { consentId, grantedBy, terms, supersedes, subjectErasedAt },
      metadata: { now },
    };
  }

  private async command(
    context: RequestContext,
    consentId: string,
    type: 'PauseConsent' | 'ResumeConsent' | 'RevokeConsent',
    expectedVersion: number | undefined,
  ): Promise<ConsentWritten> {
    const citizen = requireCitizen(context.principal, 'change a consent');
    const now = this.clock.now();
    const result = await handleCommand(
      this.store,
      { decider: consentDecider, codec: consentCodec },
      streamIds.consent(consentId),
      { type, data: { consentId, by: citizen.subject }, metadata: { now } },
      {
        metadata: appendMetadata(context),
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
      },
    );
    return written(consentId, result.state, result.streamVersion, now, result.appended);
  }

  private async readable(context: RequestContext, consentId: string) {
    const row = await this.reads.consent(consentId);
    if (row === null) throw notFound(consentId);
    requireReader(context.principal, row);
    return { row, events: await this.store.readStream(streamIds.consent(consentId)) };
  }

  private receiptsOf(row: ConsentRow, events: readonly RecordedEvent[]): Promise<ReceiptView[]> {
    return Promise.all(
      events
        .filter((event) => RECEIPT_EVENTS.has(event.eventType))
        .map((event) => this.receiptOf(row, events, event)),
    );
  }

  private async receiptOf(
    row: ConsentRow,
    events: readonly RecordedEvent[],
    event: RecordedEvent,
  ): Promise<ReceiptView> {
    const decoded = events.map((e) => consentCodec.decode(e));
    const state = evolveAll(consentDecider, decoded);
    if (state.status === 'NONE') throw notFound(row.consentId);
    const organisation = this.catalogue.organisation(state.terms.organisationId) ?? {
      id: state.terms.organisationId,
      name: state.terms.organisationId,
      contact: 'unknown',
      policyUrl: 'https://invalid.example/unknown-organisation',
    };
    const own = consentCodec.decode(event);
    const supersededBy = state.ending?.kind === 'SUPERSEDED' ? state.ending.supersededBy : null;
    const receipt = consentReceipt({
      eventId: event.eventId,
      eventType: receiptEventType(own),
      eventTime: event.occurredAt,
      consentId: state.consentId,
      subject: state.terms.subject,
      organisation,
      categories: state.terms.categories,
      purpose: state.terms.purpose,
      procedureId: state.terms.procedureId,
      validFrom: state.terms.validFrom,
      validUntil: state.terms.validUntil,
      maxUses: state.terms.maxUses,
      language: state.terms.language,
      supersedes: state.supersedes,
      // What the receipt states is the artefact as that event left it.
      supersededBy: own.type === 'ConsentSuperseded' ? supersededBy : null,
      jurisdiction: this.jurisdiction,
    });
    return {
      receiptId: event.eventId,
      eventType: receipt.event.eventType,
      issuedAt: event.occurredAt.toISOString(),
      jws: await this.signer.sign(receipt),
      receipt,
    };
  }

  private view(row: ConsentRow, now: Date): ConsentView {
    return {
      consentId: row.consentId,
      subject: row.subject,
      organisationId: row.organisationId,
      organisationName: this.catalogue.organisation(row.organisationId)?.name ?? null,
      categories: row.categories,
      purpose: row.purpose,
      procedureId: row.procedureId,
      validFrom: row.validFrom.toISOString(),
      validUntil: row.validUntil.toISOString(),
      maxUses: row.maxUses,
      uses: row.uses,
      lastUseAt: row.lastUseAt?.toISOString() ?? null,
      status: statusAt(row.status, row.validUntil, now),
      supersedes: row.supersedes,
      supersededBy: row.supersededBy,
      grantedAt: row.grantedAt.toISOString(),
      endedAt:
        row.endedAt?.toISOString() ?? (row.validUntil <= now ? row.validUntil.toISOString() : null),
      language: row.language,
      version: row.version,
    };
  }
}

/** The status at `now` of an artefact whose log records `recorded` (see `consentStatus`). */
export function statusAt(
  recorded: RecordedConsentStatus,
  validUntil: Date,
  now: Date,
): ConsentStatus {
  if (recorded === 'ACTIVE' || recorded === 'PAUSED') {
    return now.getTime() >= validUntil.getTime() ? 'EXPIRED' : recorded;
  }
  return recorded;
}

function receiptEventType(event: ConsentEvent): ReceiptEventType {
  switch (event.type) {
    case 'ConsentGranted':
      return event.data.supersedes === null ? 'given' : 'modified';
    case 'ConsentSuperseded':
      return 'superseded';
    case 'ConsentRevoked':
      return 'withdrawn';
    default:
      throw new TypeError(`${event.type} yields no receipt`);
  }
}

function written(
  consentId: string,
  state: ConsentState,
  version: number,
  now: Date,
  appended: readonly RecordedEvent[],
): ConsentWritten {
  if (state.status === 'NONE') throw notFound(consentId);
  const receipt = appended.find((event) => RECEIPT_EVENTS.has(event.eventType));
  return {
    consentId,
    status: consentStatus(state, now),
    version,
    changed: appended.length > 0,
    receiptId: receipt?.eventId ?? null,
  };
}

function notFound(consentId: string): DomainRejection {
  return new DomainRejection('CONSENT_NOT_FOUND', `there is no consent ${consentId}`);
}

function requireReader(principal: Principal, row: ConsentRow): void {
  switch (principal.kind) {
    case 'citizen':
      if (principal.subject === row.subject) return;
      throw ApplicationError.forbidden('a citizen reads only their own consents');
    case 'agency':
      if (principal.organisationId === row.organisationId) return;
      throw ApplicationError.forbidden('an organisation reads only the consents naming it');
    case 'dpo':
      return;
    default:
      throw ApplicationError.forbidden(`a ${principal.kind} does not read consents`);
  }
}

function isRetriableConflict(error: unknown, expectedVersion: number | undefined): boolean {
  return (
    expectedVersion === undefined &&
    error instanceof ConcurrencyError &&
    !(error instanceof ExpectedVersionMismatchError)
  );
}

function historyEntry(event: RecordedEvent): HistoryEntry {
  const decoded = consentCodec.decode(event);
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    streamVersion: event.streamVersion,
    recordedAt: event.recordedAt.toISOString(),
    actor: event.actor === null ? null : { kind: event.actor.kind, id: event.actor.id },
    data: decoded.data,
  };
}

/** A permit as its readers see it. */
export function permitView(permit: PermitRecord): PermitView {
  return {
    decisionId: permit.decisionId,
    organisationId: permit.organisationId,
    actorId: permit.actorId,
    purpose: permit.purpose,
    procedureId: permit.procedureId,
    categories: permit.categories,
    consentId: permit.basis.kind === 'consent' ? permit.basis.consentId : null,
    legalBasisId: permit.basis.kind === 'legal-basis' ? permit.basis.legalBasisId : null,
    legalBasisReference: permit.basis.kind === 'legal-basis' ? permit.basis.reference : null,
    decidedAt: permit.decidedAt.toISOString(),
    sealedUntil: permit.sealedUntil?.toISOString() ?? null,
    useNumber: permit.useNumber,
  };
}
