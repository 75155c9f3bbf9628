// The request context of the service's use cases: the platform's (@gov/platform-service), with
// this service's own actor and its wording of who may do what.
import type { Principal } from '@gov/platform-auth';
import type { Actor } from '@gov/platform-event-sourcing';
import { requireCitizen as requireCitizenOf } from '@gov/platform-service';

export { actorOf, appendMetadata, newIdFor, systemClock, traceIdOf } from '@gov/platform-service';
export type { Clock, RequestContext } from '@gov/platform-service';

/** The actor of what the service does by itself (the expiry reactor). */
export const CONSENT_ACTOR: Actor = { kind: 'service', id: 'consent' };

/** The principal, if it is a citizen; 403 otherwise. */
export const requireCitizen = (principal: Principal, what: string) =>
  requireCitizenOf(principal, what, 'the data subject (a citizen)');
