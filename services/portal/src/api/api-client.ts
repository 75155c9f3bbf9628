// Every screen of the portal is built from the services' public HTTP APIs, called here with
// the signed-in person's own bearer token: the portal has no privileges of its own and no
// database, so what a person sees is exactly what the services let that person see.
import { Inject, Injectable } from '@nestjs/common';

import type { CalledService } from '../portal.config';
import { PORTAL_CONFIG } from '../portal.tokens';
import type { PortalConfig } from '../portal.config';

/** One invalid field of a `validation-failed` problem, as the services report it. */
export interface ApiFieldError {
  readonly field: string;
  readonly message: string;
}

/** A service's refusal (RFC 9457 problem details), or its absence. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';

  constructor(
    readonly service: string,
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: readonly ApiFieldError[],
    /** The request id the service logged the call under, for support. */
    readonly requestId: string | undefined,
    /** The problem's other members (`type`, extensions), as sent. */
    readonly body: Readonly<Record<string, unknown>>,
  ) {
    super(`${service} answered ${status}: ${detail ?? title}`);
  }

  /** The message of the first error on `field` (a dotted path), if any. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

/** A service did not answer (down, timed out, or not HTTP). */
export class ServiceUnavailable extends Error {
  override readonly name = 'ServiceUnavailable';

  constructor(
    readonly service: string,
    cause: unknown,
  ) {
    super(`${service} did not answer`, { cause });
  }
}

/** What a call sends besides the token. */
export interface CallOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A successful answer. */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A successful answer whose body is kept as bytes (a document, a receipt). */
export interface ApiBytes {
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly headers: Headers;
}

@Injectable()
export class ApiClient {
  constructor(@Inject(PORTAL_CONFIG) private readonly config: PortalConfig) {}

  /** The base URL of `service` on this site. */
  urlOf(service: CalledService): string {
    return this.config.services[service];
  }

  /**
   * Calls `service` with `token` and returns its JSON answer.
   *
   * @throws ApiProblem for any answer outside 2xx (with the problem's fields when the body is a
   *   problem), ServiceUnavailable when the service cannot be reached in time.
   */
  async json<T>(
    service: CalledService,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    token: string | undefined,
    options: CallOptions = {},
  ): Promise<ApiAnswer<T>> {
    return this.jsonAt<T>(this.urlOf(service), service, method, path, token, options);
  }

  /** As {@link json}, at an explicit base URL (the other site's service, for the console). */
  async jsonAt<T>(
    baseUrl: string,
    service: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    token: string | undefined,
    options: CallOptions = {},
  ): Promise<ApiAnswer<T>> {
    const response = await this.send(
      baseUrl,
      service,
      method,
      path,
      token,
      options,
      'application/json',
    );
    const text = await response.text();
    const body = text.length === 0 ? undefined : (JSON.parse(text) as T);
    return { status: response.status, body: body as T, headers: response.headers };
  }

  /** Calls `service` and returns the answer's bytes (a letter's content, a receipt). */
  async bytes(
    service: CalledService,
    path: string,
    token: string | undefined,
    accept = '*/*',
  ): Promise<ApiBytes> {
    const response = await this.send(this.urlOf(service), service, 'GET', path, token, {}, accept);
    return {
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      bytes: Buffer.from(await response.arrayBuffer()),
      headers: response.headers,
    };
  }

  private async send(
    baseUrl: string,
    service: string,
    method: string,
    path: string,
    token: string | undefined,
    options: CallOptions,
    accept: string,
  ): Promise<Response> {
    const url = new URL(path, `${baseUrl}/`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = { accept, ...options.headers };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.config.httpTimeoutMs),
        redirect: 'manual',
      });
    } catch (error) {
      throw new ServiceUnavailable(service, error);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw await problemOf(service, response);
  }
}

async function problemOf(service: string, response: Response): Promise<ApiProblem> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await response.text());
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Not a problem document (a proxy's page): the status is all there is.
  }
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value.length > 0 ? value : undefined;
  const errors = Array.isArray(body['errors'])
    ? (body['errors'] as unknown[]).flatMap((e): ApiFieldError[] => {
        if (typeof e !== 'object' || e === null) return [];
        const { field, message } = e as Record<string, unknown>;
        return typeof field === 'string' && typeof message === 'string' ? [{ field, message }] : [];
      })
    : [];
  return new ApiProblem(
    service,
    response.status,
    text(body['title']) ?? response.statusText,
    text(body['detail']),
    errors,
    text(body['requestId']) ?? response.headers.get('x-request-id') ?? undefined,
    body,
  );
}
