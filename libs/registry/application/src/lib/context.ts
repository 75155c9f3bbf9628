import type { Principal } from '@gov/platform-auth';
import type { IdempotencySeed } from '@gov/platform-chassis';
import type { AppendMetadata, RecordedEvent } from '@gov/platform-event-sourcing';

/**
 * Who caused an event, as the envelope records it and the history shows it ("changed by
 * whom"): the principal's kind (`registrar`, `citizen`, `agency`, or `service` for the registry
 * itself), its id (a registrar's staff id, a citizen's national identification number, an
 * agency's client) and, for registrars and agencies, their organisation.
 */
export interface Actor {
  readonly kind: string;
  readonly id: string;
  readonly organisationId?: string;
}

/** The actor of what the registry does by itself (the corrections reactor). */
export const REGISTRY_ACTOR: Actor = { kind: 'service', id: 'registry' };

/** What the application needs to know about the request it serves. */
export interface RequestContext {
  /** The authenticated caller. */
  readonly principal: Principal;
  /** The request's id: the correlation id of every event it causes. */
  readonly correlationId: string;
  /** W3C trace context of the request, if it came with a valid one (see {@link parseTraceparent}). */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** An agency's declared purpose of a read (`X-Purpose`). */
  readonly purpose?: string;
  /**
   * The legal basis of a read (`X-Legal-Basis`): for an agency, the id of a basis of the
   * legal-basis catalogue; for a registrar, the provision or case reference they work under.
   */
  readonly legalBasis?: string;
  /**
   * The procedure a read is made for (`X-Procedure`), recorded with the access: a procedure
   * definition id, e.g. when the procedures service prefills a form.
   */
  readonly procedureId?: string;
  /**
   * The caller's bearer token, as it came: forwarded to the consent service when an agency
   * reads on the person's consent (the decision is the token's organisation's). Never logged.
   */
  readonly bearerToken?: string;
  /**
   * Set when the request carries an `Idempotency-Key`: the ids of the events a creation appends
   * derive from it, so that re-running a creation whose answer was lost cannot append a second
   * record (see `eventIdsFor`).
   */
  readonly idempotency?: IdempotencySeed;
}

/** Options of a change: the version the client based it on (`If-Match`), if stated. */
export interface ChangeOptions {
  readonly expectedVersion?: number;
}

/** The trace id (32 hex digits) of a valid `traceparent`. */
export function traceIdOf(traceparent: string | undefined): string | null {
  return traceparent?.split('-')[1] ?? null;
}

/** The {@link Actor} of a principal: who the history shows as having made a change. */
export function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case 'registrar':
      return principal.organisationId === undefined
        ? { kind: 'registrar', id: principal.subject }
        : { kind: 'registrar', id: principal.subject, organisationId: principal.organisationId };
    case 'citizen':
      return { kind: 'citizen', id: principal.subject };
    case 'agency':
      return { kind: 'agency', id: principal.subject, organisationId: principal.organisationId };
    case 'operator':
      return { kind: 'operator', id: principal.subject };
    case 'dpo':
    case 'auditor':
      return principal.organisationId === undefined
        ? { kind: principal.kind, id: principal.subject }
        : { kind: principal.kind, id: principal.subject, organisationId: principal.organisationId };
    default: {
      const unknown: never = principal;
      throw new TypeError(`unknown principal ${JSON.stringify(unknown)}`);
    }
  }
}

/** The append metadata of events caused by the request (optionally by one of its events). */
export function appendMetadata(
  context: Pick<RequestContext, 'correlationId' | 'traceparent' | 'tracestate'>,
  actor: Actor,
  causationId?: string,
): AppendMetadata {
  return {
    correlationId: context.correlationId,
    ...(causationId === undefined ? {} : { causationId }),
    ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
    ...(context.tracestate === undefined ? {} : { tracestate: context.tracestate }),
    actor,
  };
}

/** Who caused a recorded event; `null` for events written before the store recorded it. */
export function recordedActor(event: RecordedEvent): Actor | null {
  const { actor } = event;
  if (actor === null) return null;
  return actor.organisationId === undefined
    ? { kind: actor.kind, id: actor.id }
    : { kind: actor.kind, id: actor.id, organisationId: actor.organisationId };
}

// Trace headers are parsed by the chassis, like every other request header it reads.
export { parseTraceparent } from '@gov/platform-chassis';
export type { IdempotencySeed } from '@gov/platform-chassis';
