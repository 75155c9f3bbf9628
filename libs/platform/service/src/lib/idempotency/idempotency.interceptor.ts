import { createHash } from 'node:crypto';

import { Inject, Injectable, Logger, SetMetadata, applyDecorators } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import { catchError, concatMap, from, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';

import { principalOf } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import { ApplicationError, header } from '@gov/platform-chassis';
import type { HttpReply, HttpRequest } from '@gov/platform-chassis';

import type { IdempotencyStore, StoredResponse } from './idempotency-store';

/** Injection token of the {@link IdempotencyStore}. */
export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');

/** The request header. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** How a route takes an `Idempotency-Key`. */
export interface IdempotentOptions {
  /** A request without the header is refused (400): routes that create a record. */
  readonly required: boolean;
}

const IDEMPOTENT = 'platform:idempotent';

/**
 * Makes a write route idempotent by `Idempotency-Key` (see {@link IdempotencyInterceptor}) and
 * documents the header in OpenAPI from the same options, so behaviour and document agree.
 */
export const Idempotent = (options: IdempotentOptions): MethodDecorator =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: options.required,
      description:
        'A unique key per request (a UUID, say). A retry with the same key and body gets the ' +
        'first answer again and changes nothing; the same key with another body gets 409.' +
        (options.required ? ' Required: this route creates a record.' : ''),
      schema: { type: 'string', maxLength: 255, example: '5b8f0a4e-2f6c-4a8e-9a3e-1c2d3e4f5a6b' },
    }),
  );

/**
 * How long a claimed key stays "in progress" before a retry may run the request again: far
 * longer than any request takes, short enough that a client whose server died gets on.
 */
const LEASE_MS = 30_000;
/** Response headers a retry gets back with the stored body. */
const KEPT_HEADERS = ['location', 'etag'];
/** Printable ASCII, as the IETF draft's examples and every common client send. */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on write routes (draft-ietf-httpapi-idempotency-key-header). The key is
 * scoped to the caller; the request is fingerprinted (method, path, `If-Match`, body).
 *
 * - First use: the key is claimed, the request runs, and its answer (status, `Location`,
 *   `ETag`, body) is stored with the key. A request that fails gives the key back, so a retry
 *   runs it again: a refused request appended nothing, and one that failed half-way (an
 *   acceptance whose record change did not follow) is completed by its re-run, the deciders
 *   deciding nothing for what is already in place.
 * - Same key, same request, answered: the stored answer again (with `Idempotent-Replayed:
 *   true`); nothing is appended.
 * - Same key, another request: 409. Same key while the first is still running: 409.
 *
 * The crash window, honestly: the answer is stored after the events are appended, in a second
 * statement. If the process dies in between (or that statement fails), the key stays claimed and
 * unanswered: a retry gets 409 "in progress" for the rest of the lease, and after the
 * 30 s lease a retry runs the request again. For a change that is harmless (the deciders decide
 * nothing when the effect is in place, and the retry answers 200 with the current version;
 * with a now-stale `If-Match` it gets 412). For a creation the new events' ids derive from the
 * key (`eventIdsFor`), so the second run collides with the first run's events and answers 409
 * `ALREADY_APPLIED` instead of creating a second record; the client then looks the record up.
 * Only the original answer (the new number) is lost, never the guarantee that it was created
 * once. Keys are kept for a day.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    @Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const options = this.reflector.get<IdempotentOptions | undefined>(
      IDEMPOTENT,
      context.getHandler(),
    );
    if (options === undefined) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const reply = http.getResponse<HttpReply>();
    const key = header(request, IDEMPOTENCY_KEY_HEADER);
    if (key === undefined) {
      if (options.required) {
        throw ApplicationError.validationFailed(
          `this request creates a record: send an ${IDEMPOTENCY_KEY_HEADER} header, so that a retry cannot create it twice`,
          [{ field: IDEMPOTENCY_KEY_HEADER, message: 'is required on this route' }],
        );
      }
      return next.handle();
    }
    if (!VALID_KEY.test(key)) {
      throw ApplicationError.validationFailed(`${IDEMPOTENCY_KEY_HEADER} is invalid`, [
        { field: IDEMPOTENCY_KEY_HEADER, message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    const scope = scopeOf(this.principal(request));
    const fingerprint = fingerprintOf(request);
    const claim = await this.store.claim(scope, key, fingerprint, LEASE_MS);
    switch (claim.kind) {
      case 'replay':
        reply.status(claim.response.status);
        for (const [name, value] of Object.entries(claim.response.headers)) {
          reply.header(name, value);
        }
        reply.header('idempotent-replayed', 'true');
        return of(claim.response.body);
      case 'mismatch':
        throw ApplicationError.conflict(
          `this ${IDEMPOTENCY_KEY_HEADER} was used for a different request; use a new key for a new request`,
          { extensions: { code: 'IDEMPOTENCY_KEY_REUSED' } },
        );
      case 'in-progress':
        throw ApplicationError.conflict(
          `a request with this ${IDEMPOTENCY_KEY_HEADER} is still being carried out; retry in a moment`,
          { extensions: { code: 'IDEMPOTENCY_KEY_IN_USE' } },
        );
      case 'claimed':
        request.idempotency = {
          seed: createHash('sha256').update(`${scope}\n${key}`).digest('hex'),
          firstSeenAt: claim.firstSeenAt,
        };
        return next.handle().pipe(
          // The request failed: nothing was appended, the key is free again.
          catchError((error: unknown) =>
            from(this.store.release(scope, key).catch(() => undefined)).pipe(
              concatMap(() => throwError(() => error)),
            ),
          ),
          // It succeeded: keep its answer. If that fails, the client still gets the answer
          // (the events are recorded) and the key stays claimed until its lease ends; see above.
          concatMap(async (body: unknown) => {
            const response: StoredResponse = {
              status: reply.statusCode,
              headers: keptHeaders(reply),
              body: body === undefined ? null : (JSON.parse(JSON.stringify(body)) as unknown),
            };
            await this.store.complete(scope, key, response).catch((error: unknown) => {
              this.logger.warn(
                `could not store the answer for an ${IDEMPOTENCY_KEY_HEADER}: ${String(error)}`,
              );
            });
            return body;
          }),
        );
      default: {
        const unknown: never = claim;
        throw new TypeError(`unknown idempotency claim ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * The caller, as the AuthGuard (which runs before interceptors) verified it for this request:
   * the token is verified once per request, not again here.
   */
  private principal(request: HttpRequest): Principal {
    const principal = principalOf(request);
    if (principal === undefined)
      throw new Error('an idempotent route must be behind the AuthGuard');
    return principal;
  }
}

/** Keys belong to a caller: one caller cannot replay another's answer. */
function scopeOf(principal: Principal): string {
  switch (principal.kind) {
    case 'registrar':
      return `registrar:${principal.subject}`;
    case 'citizen':
      return `citizen:${principal.subject}`;
    case 'agency':
      return `agency:${principal.organisationId}:${principal.subject}`;
    case 'operator':
      return `operator:${principal.subject}`;
    case 'dpo':
    case 'auditor':
      return `${principal.kind}:${principal.organisationId ?? ''}:${principal.subject}`;
    default: {
      const unknown: never = principal;
      throw new TypeError(`unknown principal ${JSON.stringify(unknown)}`);
    }
  }
}

/** What makes two requests the same request: method, path, precondition and body. */
export function fingerprintOf(
  request: Pick<HttpRequest, 'method' | 'url' | 'headers' | 'body'>,
): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        request.method,
        request.url,
        header(request, 'if-match') ?? null,
        canonical(request.body ?? null),
      ]),
    )
    .digest('hex');
}

/** A JSON value with its object keys sorted, so that key order does not make two requests differ. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

function keptHeaders(reply: HttpReply): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') kept[name] = value;
  }
  return kept;
}
