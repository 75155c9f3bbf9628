import { createHash } from 'node:crypto';

import { Inject, Injectable, Logger, SetMetadata, applyDecorators } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import { catchError, concatMap, defer, from, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';

import { principalOf } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import { ApplicationError, header } from '@gov/platform-chassis';
import type { HttpReply, HttpRequest } from '@gov/platform-chassis';
import {
  AppendDeferral,
  CompanionConflictError,
  ConcurrencyError,
  deferAppends,
} from '@gov/platform-event-sourcing';

import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from './idempotency-store';

/** Injection token of the {@link IdempotencyStore}. */
export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');

/** The request header. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** How a route takes an `Idempotency-Key`. */
export interface IdempotentOptions {
  /** A request without the header is refused (400): routes that create a record. */
  readonly required: boolean;
  /**
   * The route's handler writes nothing but one append through the service's event store (a
   * `PostgresEventStore`): the append waits until the answer is ready, and the events, the key
   * and the answer are stored in one statement (see {@link IdempotencyInterceptor}). A route
   * that writes anything else, or appends twice, must not say so.
   */
  readonly answerWithAppend?: boolean;
}

const IDEMPOTENT = 'platform:idempotent';

/** Printable ASCII, as the IETF draft's examples and every common client send. */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

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
      // What VALID_KEY accepts, said so that a generated client sends only keys it accepts.
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: VALID_KEY.source,
        example: '5b8f0a4e-2f6c-4a8e-9a3e-1c2d3e4f5a6b',
      },
    }),
  );

/**
 * How long a claimed key stays "in progress" before a retry may run the request again: far
 * longer than any request takes, short enough that a client whose server died gets on.
 */
const LEASE_MS = 30_000;
/** Response headers a retry gets back with the stored body. */
const KEPT_HEADERS = ['location', 'etag'];
/**
 * How many times a request answered with its append runs when its held append meets a version
 * conflict (a concurrent writer): each run decides again on the stream as it then is.
 */
const MAX_RUNS = 4;

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
 *
 * A route declared `answerWithAppend` (its only write is one append) goes without the claim,
 * without a lookup and without that window: the handler runs with its append held
 * (`AppendDeferral`), and the events, the key and the answer are then stored in one statement,
 * one transaction, or none of them (the key's primary key refuses a key used before). A retry of
 * an answered request, or a twin that ran alongside, thus stores nothing and answers the stored
 * answer; so does a request that failed (a stale `If-Match`, say) when its key turns out to be
 * answered. The same key with another request is refused with 409 once the handler has run. A
 * version conflict of the held append runs the handler again (at most {@link MAX_RUNS} times in
 * all), deciding on the stream as it then is. Round trips of such a command: the handler's reads
 * and the one write. The price: a retry runs the handler again (its reads, and for a
 * registration a sequence number that is then never used).
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
    if (options.answerWithAppend === true) {
      return this.answerWithAppend(request, reply, next, { scope, key, fingerprint });
    }
    const claim = await this.store.claim(scope, key, fingerprint, LEASE_MS);
    switch (claim.kind) {
      case 'replay':
      case 'mismatch':
      case 'in-progress':
        return answerKnown(claim, reply);
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
            const response = storedResponse(reply, body);
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

  /** The flow of a route whose one write is its append (see the class's description). */
  private answerWithAppend(
    request: HttpRequest,
    reply: HttpReply,
    next: CallHandler,
    id: { readonly scope: string; readonly key: string; readonly fingerprint: string },
  ): Observable<unknown> {
    request.idempotency = {
      seed: createHash('sha256').update(`${id.scope}\n${id.key}`).digest('hex'),
      firstSeenAt: new Date(),
    };
    const run = (attempt: number): Observable<unknown> => {
      const deferral = new AppendDeferral();
      return deferAppends(deferral, () => next.handle()).pipe(
        concatMap(async (body: unknown) => {
          const response = storedResponse(reply, body);
          const stored = await deferral.commit(
            this.store.answerWithAppend(id.scope, id.key, id.fingerprint, response),
          );
          if (!stored) await this.store.answer(id.scope, id.key, id.fingerprint, response);
          return body;
        }),
        catchError((error: unknown) => {
          deferral.discard();
          // Only a conflict of the held append itself is retried: the handler's own conflicts
          // were already retried where they happened.
          if (deferral.conflicted && error instanceof ConcurrencyError && attempt < MAX_RUNS) {
            return defer(() => from(jitter(attempt))).pipe(concatMap(() => run(attempt + 1)));
          }
          return from(this.afterFailure(error, reply, id));
        }),
      );
    };
    return run(1);
  }

  /**
   * After a failed run: if the key was answered meanwhile (a twin request stored first, or this
   * is a retry of an answered request that no longer applies), that answer; else the failure.
   */
  private async afterFailure(
    error: unknown,
    reply: HttpReply,
    id: { readonly scope: string; readonly key: string; readonly fingerprint: string },
  ): Promise<unknown> {
    const known = await this.store
      .lookup(id.scope, id.key, id.fingerprint, LEASE_MS)
      .catch(() => undefined);
    if (known === undefined) {
      if (error instanceof CompanionConflictError) {
        throw ApplicationError.conflict(
          `a request with this ${IDEMPOTENCY_KEY_HEADER} is still being carried out; retry in a moment`,
          { extensions: { code: 'IDEMPOTENCY_KEY_IN_USE' } },
        );
      }
      throw error;
    }
    if (known.kind !== 'replay') return answerKnown(known, reply);
    for (const name of KEPT_HEADERS) {
      (reply as { removeHeader?: (header: string) => unknown }).removeHeader?.(name);
    }
    return replay(known.response, reply);
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

/** The answer of a request as a retry gets it back. */
function storedResponse(reply: HttpReply, body: unknown): StoredResponse {
  return {
    status: reply.statusCode,
    headers: keptHeaders(reply),
    body: body === undefined ? null : (JSON.parse(JSON.stringify(body)) as unknown),
  };
}

/** Sends a stored answer again, marked as replayed. */
function replay(response: StoredResponse, reply: HttpReply): unknown {
  reply.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) {
    reply.header(name, value);
  }
  reply.header('idempotent-replayed', 'true');
  return response.body;
}

/** The answer to a key used before: its stored answer, or the 409 of a reuse or a key in use. */
function answerKnown(
  known: Exclude<IdempotencyClaim, { kind: 'claimed' }>,
  reply: HttpReply,
): Observable<unknown> {
  switch (known.kind) {
    case 'replay':
      return of(replay(known.response, reply));
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
    default: {
      const unknown: never = known;
      throw new TypeError(`unknown idempotency answer ${JSON.stringify(unknown)}`);
    }
  }
}

/** A short random wait before running a request again after a conflict (full jitter). */
function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function keptHeaders(reply: HttpReply): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') kept[name] = value;
  }
  return kept;
}
