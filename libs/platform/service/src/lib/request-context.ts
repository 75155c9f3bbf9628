import { createHash, randomUUID } from 'node:crypto';

import type { Principal } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import type { CommandRequestMeta } from '@gov/platform-chassis';
import type { Actor, AppendMetadata } from '@gov/platform-event-sourcing';

/**
 * What a use case knows of its request: the caller, and what its events carry (correlation,
 * trace context, the idempotency key's seed).
 */
export interface RequestContext extends CommandRequestMeta {
  readonly principal: Principal;
  /**
   * The caller's bearer token, for a service that acts for the caller towards another (the
   * back office's decision letter, the person's consent looked up in the consent service).
   */
  readonly bearerToken?: string;
}

/** Time, as the use cases read it (a fixed clock in tests). */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/** Who the envelope records as having caused the events of a request. */
export function actorOf(principal: Principal): Actor {
  if (principal.kind === 'agency') {
    return { kind: 'agency', id: principal.subject, organisationId: principal.organisationId };
  }
  return { kind: principal.kind, id: principal.subject };
}

/** The append metadata of the events a request causes. */
export function appendMetadata(context: RequestContext): AppendMetadata {
  return {
    correlationId: context.correlationId,
    ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
    ...(context.tracestate === undefined ? {} : { tracestate: context.tracestate }),
    actor: actorOf(context.principal),
  };
}

/** The W3C trace id of the request, or `null`. */
export function traceIdOf(context: RequestContext): string | null {
  return context.traceparent?.split('-')[1] ?? null;
}

/**
 * A new id for what a request creates; derived from its `Idempotency-Key` when it has one, so
 * that a creation re-run after a lost answer names the same artefact instead of a second one.
 */
export function newIdFor(context: RequestContext, what: string): string {
  if (context.idempotency === undefined) return randomUUID();
  return uuidOf(`${context.idempotency.seed}:${what}`);
}

/** A name-based UUID of `name` (RFC 9562 version 8, over SHA-256): the same name, the same id. */
export function uuidOf(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 32).split('');
  hex[12] = '8'; // RFC 9562 version 8: application-defined
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/**
 * The principal, if it is a citizen; 403 otherwise, saying `only <who> may <what>` (`who` as
 * the service names the citizen here: "the data subject", "the recipient").
 */
export function requireCitizen(
  principal: Principal,
  what: string,
  who = 'a citizen',
): Extract<Principal, { kind: 'citizen' }> {
  if (principal.kind !== 'citizen') {
    throw ApplicationError.forbidden(`only ${who} may ${what}`);
  }
  return principal;
}

/** The principal, if it is an agency; 403 otherwise, saying `only <who> may <what>`. */
export function requireAgency(
  principal: Principal,
  what: string,
  who = 'an agency',
): Extract<Principal, { kind: 'agency' }> {
  if (principal.kind !== 'agency') {
    throw ApplicationError.forbidden(`only ${who} may ${what}`);
  }
  return principal;
}
