// What the console shows, gathered from embassy-sync (lag, checkpoints, alarms, the lag's
// history) and from each replicated service on both sites (its role and head, read directly so
// that a fence or a promotion shows at once, not a poll later). Pure: the controller fetches,
// this maps, the views render.
import type {
  ReplicationStatus,
  SiteName,
  SyncHistory,
  SyncServiceStatus,
  SyncStatus,
  LagSample,
} from './console-api';
import { SITES } from './console-api';

/** One service on one site, as the console shows it. */
export interface SiteCell {
  readonly site: SiteName;
  readonly url: string;
  /** The service's own status, or why it could not be read. */
  readonly status: ReplicationStatus | { readonly error: string };
}

/** One replicated service. */
export interface ServicePanel {
  readonly name: string;
  readonly sites: readonly SiteCell[];
  /** embassy-sync's figures for it; `undefined` when embassy-sync did not answer or watch it. */
  readonly sync: SyncServiceStatus | undefined;
  /** The lag over time; `undefined` when no history could be read. */
  readonly samples: readonly LagSample[] | undefined;
}

/** The whole console at one moment. */
export interface ConsoleData {
  readonly services: readonly ServicePanel[];
  /** `undefined` when embassy-sync did not answer. */
  readonly sync: SyncStatus | undefined;
  /** The span of the lag chart (embassy-sync's window), minutes. */
  readonly minutes: number;
  /** The chart's right end (embassy-sync's clock when known, else the portal's). */
  readonly at: Date;
}

/** A replicated service's URLs, as the portal is configured. */
export interface ServiceUrls {
  readonly name: string;
  readonly primaryUrl: string;
  readonly embassyUrl: string;
}

/** The key of a site's status in {@link consoleData}'s `statuses`. */
export const statusKey = (service: string, site: SiteName): string => `${service}@${site}`;

/** The window's length when embassy-sync does not say (its default). */
const DEFAULT_MINUTES = 5;

export function consoleData(inputs: {
  readonly services: readonly ServiceUrls[];
  readonly sync: SyncStatus | undefined;
  readonly history: SyncHistory | undefined;
  /** Each site's `GET /replication/status`, or the error it gave, by {@link statusKey}. */
  readonly statuses: ReadonlyMap<string, ReplicationStatus | { readonly error: string }>;
  readonly now: Date;
}): ConsoleData {
  const { sync, history } = inputs;
  const at = history?.at ?? sync?.at;
  return {
    services: inputs.services.map((service) => ({
      name: service.name,
      sites: SITES.map((site) => ({
        site,
        url: site === 'primary' ? service.primaryUrl : service.embassyUrl,
        status: inputs.statuses.get(statusKey(service.name, site)) ?? { error: 'not read' },
      })),
      sync: sync?.services.find((s) => s.service === service.name),
      samples: history?.services.find((s) => s.service === service.name)?.samples,
    })),
    sync,
    minutes: history?.minutes ?? sync?.services[0]?.window.minutes ?? DEFAULT_MINUTES,
    at: at === undefined || Number.isNaN(Date.parse(at)) ? inputs.now : new Date(at),
  };
}

/** Whether a cell holds a status rather than an error. */
export function isStatus(status: SiteCell['status']): status is ReplicationStatus {
  return !('error' in status);
}
