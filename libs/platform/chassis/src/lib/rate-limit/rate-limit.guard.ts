import { Inject, Injectable, Optional } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { httpRateLimited } from '@gov/platform-observability';

import { ApplicationError } from '../errors/application-error';
import { TokenBuckets } from './token-buckets';
import type { RateDecision } from './token-buckets';

/**
 * Injection token of the {@link RateLimitPrincipal} a service may provide (the auth library
 * does): without one, every request is limited by its client address.
 */
export const RATE_LIMIT_PRINCIPAL = Symbol('RATE_LIMIT_PRINCIPAL');

/** Who a request is from, for its rate limit. */
export interface RateLimitPrincipal {
  /**
   * The verified principal of the request as `kind:subject` (`citizen:1985…`,
   * `agency:procedures`), or `undefined` for a request without a valid token, which is then
   * limited by its client address. Must not throw for a bad token: that is the route's guard's
   * answer to give.
   */
  keyOf(request: object): Promise<string | undefined>;
}

/**
 * Routes no limit applies to: the orchestrator's probes and the metrics scrape must keep
 * answering a principal that is being refused, and they come from the cluster itself.
 */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set([
  '/health/live',
  '/health/ready',
  '/metrics',
]);

/**
 * Applies the per-principal token buckets to every route of the service (registered globally
 * by the chassis, so it runs before the routes' own guards): a request over its principal's
 * limit gets 429 with `Retry-After`; every limited answer carries the `RateLimit` and
 * `RateLimit-Policy` headers of draft-ietf-httpapi-ratelimit-headers.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(TokenBuckets) private readonly buckets: TokenBuckets,
    @Optional()
    @Inject(RATE_LIMIT_PRINCIPAL)
    private readonly principals: RateLimitPrincipal | undefined,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !this.buckets.enabled) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return true;
    const principal = await this.principals?.keyOf(request);
    const decision = this.buckets.take(principal ?? `address:${request.ip}`);
    setRateLimitHeaders(http.getResponse<FastifyReply>(), decision);
    if (!decision.allowed) {
      httpRateLimited.inc({ route: request.routeOptions.url ?? '', class: decision.className });
      throw ApplicationError.tooManyRequests(
        `more than ${decision.limit.perMinute} requests per minute (bursts of ` +
          `${decision.limit.burst}) from this ${principal === undefined ? 'client address' : 'principal'}; ` +
          `retry in ${decision.retryAfterSeconds} s`,
        { retryAfterSeconds: decision.retryAfterSeconds },
      );
    }
    return true;
  }
}

function setRateLimitHeaders(reply: FastifyReply, decision: RateDecision): void {
  const { className, limit } = decision;
  const window = Math.ceil((limit.burst * 60) / limit.perMinute);
  void reply.header('ratelimit-policy', `"${className}";q=${limit.burst};w=${window}`);
  void reply.header(
    'ratelimit',
    `"${className}";r=${decision.remaining};t=${decision.resetSeconds}`,
  );
}
