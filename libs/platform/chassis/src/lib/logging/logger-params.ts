import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Params } from 'nestjs-pino';
import { destination as pinoDestination, stdTimeFunctions } from 'pino';
import type { DestinationStream, LevelWithSilent, LoggerOptions } from 'pino';

import type { PlatformConfig } from '@gov/platform-config';
import { traceLogFields } from '@gov/platform-observability';

/**
 * Routes that machines poll: probes, the OpenAPI document, Prometheus scrapes and embassy-sync's
 * replication status and digest reads (every few seconds, per service, per site). Their request
 * lines go to debug, whatever the status, so that they do not drown the rest: whoever polls
 * reports a failure in its own terms (a probe, a scrape error, embassy-sync's "status
 * unavailable"). An entry ending in `/` covers the routes under it.
 */
const QUIET_PATHS = [
  '/health/',
  '/openapi.json',
  '/metrics',
  '/replication/status',
  '/replication/digest',
];

/**
 * The pino settings shared by the request logger and the start-up logger: one JSON object per
 * line on stdout (no pretty printing: the collector parses it), ISO timestamps, level names
 * rather than numbers, and the service and site in every line; inside a trace, its `traceId`
 * and `spanId` too (nothing when tracing is off).
 */
export function baseLoggerOptions(
  config: Pick<PlatformConfig, 'serviceName' | 'logLevel'> &
    Partial<Pick<PlatformConfig, 'siteRole'>>,
): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: config.serviceName, site: config.siteRole, pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceLogFields,
  };
}

/**
 * nestjs-pino settings: application logs through Nest's `Logger`, and one line per request
 * once it completes, with method, path, status, duration and request id. Headers are not
 * logged (they carry credentials), nor query strings (they may carry personal data).
 *
 * @param destination - Where lines go; stdout by default.
 */
export function loggerParams(config: PlatformConfig, destination?: DestinationStream): Params {
  const options = {
    ...baseLoggerOptions(config),
    // Fastify assigns the id (from a valid `x-request-id`, or a new UUID) and middie copies it
    // to the raw request; pino-http's default generator reuses `req.id`.
    quietReqLogger: true,
    customAttributeKeys: { responseTime: 'durationMs' },
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        path: pathOf(req.url),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: Error): LevelWithSilent =>
      requestLogLevel(req.url, res.statusCode, error),
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse) =>
      `${req.method ?? ''} ${pathOf(req.url)} ${res.statusCode}`,
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) =>
      `${req.method ?? ''} ${pathOf(req.url)} ${res.statusCode}`,
  };
  // Synchronous writes: a line logged just before the process exits (a fatal error, the end of
  // a shutdown) is never lost, at the price of blocking when the log collector falls behind.
  return { pinoHttp: [options, destination ?? pinoDestination({ dest: 1, sync: true })] };
}

/**
 * The level of a request's log line: debug for the polled routes (see `QUIET_PATHS`), error
 * for a failure of ours (5xx or a thrown error), info for everything else, 4xx included (the
 * client's mistake, answered as designed).
 *
 * @param url - The request URL as received (a query string is ignored).
 */
export function requestLogLevel(
  url: string | undefined,
  statusCode: number,
  error?: Error,
): LevelWithSilent {
  if (isQuiet(url)) return 'debug';
  if (error !== undefined || statusCode >= 500) return 'error';
  return 'info';
}

function pathOf(url: string | undefined): string {
  return (url ?? '').split('?', 1)[0] ?? '';
}

function isQuiet(url: string | undefined): boolean {
  const path = pathOf(url);
  return QUIET_PATHS.some((quiet) =>
    quiet.endsWith('/') ? path.startsWith(quiet) : path === quiet,
  );
}
