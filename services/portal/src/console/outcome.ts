// What the last action did, carried by the redirect after the form (`/console?done=…`) so that
// a reload shows the console, not the form again. Only names the console knows and digits are
// taken from the address; anything else shows no outcome at all. The roles beside it are read
// live, so an edited address cannot hide what the sites really are.
import type { ReplicationAction, SiteName } from './console-api';
import { isAction, isSite } from './console-api';

/** The outcome of one action, or of the site-wide failover. */
export type ConsoleOutcome =
  | {
      readonly kind: 'action';
      readonly action: ReplicationAction;
      readonly service: string;
      readonly site: SiteName;
      /** The promotion's position. */
      readonly position: string | undefined;
    }
  | {
      readonly kind: 'failover';
      readonly services: readonly {
        readonly service: string;
        readonly head: string;
        readonly position: string;
      }[];
    };

const POSITION = /^\d{1,19}$/;

/** The query of the redirect after an action. */
export function actionOutcomeQuery(
  action: ReplicationAction,
  service: string,
  site: SiteName,
  position?: string,
): string {
  const query = new URLSearchParams({ done: action, service, site });
  if (position !== undefined) query.set('position', position);
  return query.toString();
}

/** The query of the redirect after a complete failover. */
export function failoverOutcomeQuery(
  services: readonly {
    readonly service: string;
    readonly head: string;
    readonly position: string;
  }[],
): string {
  return new URLSearchParams({
    done: 'failover',
    promoted: services.map((s) => `${s.service}:${s.head}:${s.position}`).join(','),
  }).toString();
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** The outcome a console address carries, if it is well-formed and names known services. */
export function outcomeOf(
  query: Readonly<Record<string, unknown>>,
  services: readonly string[],
): ConsoleOutcome | undefined {
  const done = text(query['done']);
  if (done === 'failover') {
    const entries = (text(query['promoted']) ?? '').split(',').map((entry) => entry.split(':'));
    const parsed = entries.flatMap(([service, head, position, ...rest]) =>
      service !== undefined &&
      services.includes(service) &&
      head !== undefined &&
      POSITION.test(head) &&
      position !== undefined &&
      POSITION.test(position) &&
      rest.length === 0
        ? [{ service, head, position }]
        : [],
    );
    return parsed.length > 0 && parsed.length === entries.length
      ? { kind: 'failover', services: parsed }
      : undefined;
  }
  const service = text(query['service']);
  const site = query['site'];
  const position = text(query['position']);
  if (!isAction(done) || service === undefined || !services.includes(service) || !isSite(site)) {
    return undefined;
  }
  if (position !== undefined && !POSITION.test(position)) return undefined;
  return { kind: 'action', action: done, service, site, position };
}
