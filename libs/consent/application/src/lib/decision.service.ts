import { ApplicationError } from '@gov/platform-chassis';
import { isDomainRejection } from '@gov/platform-decider';
import { handleCommand } from '@gov/platform-event-sourcing';
import { consentDecider, coveredCategories, USE_DENIAL_CODES } from '@gov/consent-domain';
import type { UseDenialCode } from '@gov/consent-domain';
import { isDataCategory } from '@gov/platform-legal-bases';
import type { DataCategory, LegalBasisCatalogue } from '@gov/platform-legal-bases';

import { consentCodec, encodePermit } from './codecs';
import { appendMetadata, newIdFor, traceIdOf } from './context';
import type { Clock, RequestContext } from './context';
import type { ConsentStore } from './consent.service';
import type { PgConsentReads } from './consent-reads';
import { streamIds } from './streams';

/** "May my organisation use categories C of subject S for purpose P (procedure Q)?" */
export interface DecisionRequest {
  readonly subject: string;
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly procedureId?: string | null | undefined;
  /** The platform service that reads the data and records that read itself (`registry`). */
  readonly accessRecordedBy?: string | null | undefined;
}

/** Why nothing was permitted. */
export type DenyReason =
  | 'NO_BASIS'
  | 'UNKNOWN_ORGANISATION'
  | 'SUBJECT_ERASED'
  | Exclude<UseDenialCode, 'USE_NOT_GRANTED'>;

/**
 * The answer of the decision API, flat so that a client reads what it needs without knowing
 * the other kind of basis: `decision`, `categories`, `consentId` (the registry's client) or
 * `legalBasisId`.
 */
export type Decision =
  | {
      readonly decision: 'permit';
      readonly decisionId: string;
      /** The asked categories permitted, never more than asked. */
      readonly categories: readonly string[];
      /** The asked categories not permitted (the permit covers a subset). */
      readonly deniedCategories: readonly string[];
      /** What permits: a consent artefact of the subject, or a legal basis of the catalogue. */
      readonly basis: 'consent' | 'legal-basis';
      /** For a consent: the artefact and which use of it this is; otherwise `null`. */
      readonly consentId: string | null;
      readonly useNumber: number | null;
      /** For a legal basis: its id and provision, and the seal of a covert one; else `null`. */
      readonly legalBasisId: string | null;
      readonly provision: string | null;
      readonly sealedUntil: string | null;
      readonly decidedAt: string;
    }
  | {
      readonly decision: 'deny';
      /** Why, for a machine. */
      readonly code: DenyReason;
      /** Why, for a person. */
      readonly reason: string;
      readonly deniedCategories: readonly string[];
      readonly decidedAt: string;
    };

const DAY_MS = 24 * 3600 * 1000;

/**
 * The decision API. Policy:
 *
 * - The organisation is the caller's (an agency token's `org`); a basis of another
 *   organisation, or outside the catalogue, never permits.
 * - Candidates are the organisation's legal bases that allow the purpose and the subject's
 *   ACTIVE artefacts naming the organisation, purpose and (if the artefact is bound to one)
 *   procedure, valid now, with uses left. The one that covers the most of the asked categories
 *   wins; on a tie a legal basis wins (it spends no use), then the newest artefact.
 * - **A basis covering only some of the asked categories permits that subset**, named in
 *   `categories`, the rest in `deniedCategories` (data minimisation: the caller gets what it may
 *   have, and learns what it may not). Nothing covered: `deny`.
 * - Nothing is permitted for a person the registry erased (`SUBJECT_ERASED`).
 * - A permit is recorded as `gov.consent.v1.AccessPermitted`: on the artefact's stream at its
 *   expected version (the decider counts the use, so a use limit holds under concurrent
 *   decisions: the loser decides again on the new state), or on `decisions-<national id>`
 *   for a legal basis, with `sealed_until` for a covert one.
 */
export class DecisionService {
  constructor(
    private readonly store: ConsentStore,
    private readonly reads: PgConsentReads,
    private readonly catalogue: LegalBasisCatalogue,
    private readonly clock: Clock,
  ) {}

  async decide(context: RequestContext, request: DecisionRequest): Promise<Decision> {
    const { principal } = context;
    if (principal.kind !== 'agency') {
      throw ApplicationError.forbidden('only an organisation (agency token) asks for decisions');
    }
    const categories = checkedCategories(request.categories);
    const organisationId = principal.organisationId;
    const procedureId = request.procedureId ?? null;
    const now = this.clock.now();
    const deny = (code: DenyReason, reason: string): Decision => ({
      decision: 'deny',
      code,
      reason,
      deniedCategories: categories,
      decidedAt: now.toISOString(),
    });
    if (this.catalogue.organisation(organisationId) === undefined) {
      return deny(
        'UNKNOWN_ORGANISATION',
        `${organisationId} is not an organisation of the platform`,
      );
    }
    // The registry erased the person: no use of their data is permitted any more, on a
    // consent (ended by the erasure) or on a legal basis, and none is recorded.
    const erasedAt = await this.reads.erasureOf(request.subject);
    if (erasedAt !== null) {
      return deny(
        'SUBJECT_ERASED',
        `the registry erased this person’s data on ${erasedAt.toISOString()}: no use is permitted`,
      );
    }
    const basis = this.catalogue.bestCoverage(organisationId, request.purpose, categories);
    const decisionId = newIdFor(context, 'decision');
    const useRequest = {
      decisionId,
      organisationId,
      actorId: principal.subject,
      purpose: request.purpose,
      procedureId,
      categories,
      traceId: traceIdOf(context),
      accessRecordedBy: request.accessRecordedBy ?? null,
    };
    const candidates = (
      await this.reads.candidates({
        subject: request.subject,
        organisationId,
        purpose: request.purpose,
        procedureId,
        now,
      })
    )
      .map((row) => ({ row, covered: coveredCategories(row.categories, categories).length }))
      .filter(({ covered }) => covered > (basis?.categories.length ?? 0))
      .sort((a, b) => b.covered - a.covered);

    let lastDenial: UseDenialCode | undefined;
    for (const { row } of candidates) {
      try {
        const result = await handleCommand(
          this.store,
          { decider: consentDecider, codec: consentCodec },
          streamIds.consent(row.consentId),
          {
            type: 'UseConsent',
            data: { consentId: row.consentId, request: useRequest },
            metadata: { now },
          },
          // Concurrent uses of one artefact conflict on its version: each decides again.
          { metadata: appendMetadata(context), maxRetries: 20 },
        );
        const permitted = result.events[0];
        if (permitted?.type !== 'AccessPermitted') {
          throw new Error(`a use of ${row.consentId} recorded no permit`);
        }
        return {
          decision: 'permit',
          decisionId,
          categories: permitted.data.categories,
          deniedCategories: categories.filter((c) => !permitted.data.categories.includes(c)),
          basis: 'consent',
          consentId: row.consentId,
          useNumber: permitted.data.useNumber,
          legalBasisId: null,
          provision: null,
          sealedUntil: null,
          decidedAt: now.toISOString(),
        };
      } catch (error) {
        if (!isDomainRejection(error, ...USE_DENIAL_CODES)) throw error;
        // The read model was behind the artefact (paused, exhausted meanwhile): the next one.
        lastDenial = error.code;
      }
    }

    if (basis !== undefined) {
      const sealedUntil =
        basis.basis.covert === undefined
          ? null
          : new Date(now.getTime() + basis.basis.covert.sealDays * DAY_MS);
      await this.store.append(
        streamIds.decisions(request.subject),
        'any',
        [
          {
            eventId: decisionId,
            ...encodePermit({
              ...useRequest,
              subject: request.subject,
              categories: basis.categories,
              basis: {
                kind: 'legal-basis',
                legalBasisId: basis.basis.id,
                reference: basis.basis.provision,
              },
              decidedAt: now,
              sealedUntil,
              useNumber: 0,
            }),
          },
        ],
        appendMetadata(context),
      );
      return {
        decision: 'permit',
        decisionId,
        categories: basis.categories,
        deniedCategories: categories.filter((c) => !basis.categories.includes(c)),
        basis: 'legal-basis',
        consentId: null,
        useNumber: null,
        legalBasisId: basis.basis.id,
        provision: basis.basis.provision,
        sealedUntil: sealedUntil?.toISOString() ?? null,
        decidedAt: now.toISOString(),
      };
    }
    if (lastDenial !== undefined && lastDenial !== 'USE_NOT_GRANTED') {
      return deny(lastDenial, 'the consent that would permit this cannot be used now');
    }
    return deny(
      'NO_BASIS',
      `no legal basis of ${organisationId} for this purpose and no consent of the person covers any of the asked categories`,
    );
  }
}

function checkedCategories(categories: readonly string[]): DataCategory[] {
  const unknown = categories
    .map((category, i) => ({ category, i }))
    .filter(({ category }) => !isDataCategory(category));
  if (unknown.length > 0 || categories.length === 0) {
    throw ApplicationError.validationFailed(
      'some fields are invalid; see errors',
      categories.length === 0
        ? [{ field: 'categories', message: 'name at least one category' }]
        : unknown.map(({ category, i }) => ({
            field: `categories.${String(i)}`,
            message: `${category} is not a known data category`,
          })),
    );
  }
  return [...new Set(categories.filter(isDataCategory))];
}
