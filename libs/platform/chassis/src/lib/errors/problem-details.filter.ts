import { Catch, Inject, Logger, NotFoundException } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { CHASSIS_OPTIONS } from '../bootstrap/chassis-options';
import type { ChassisOptions } from '../bootstrap/chassis-options';
import { PROBLEM_CONTENT_TYPE } from './problem-details';
import { toProblem } from './to-problem';
import type { RequestFacts } from './to-problem';

/**
 * Answers every error of an HTTP request with `application/problem+json`, through
 * {@link toProblem}. Registered globally by the chassis, so it also sees unknown routes and
 * the errors Fastify raises while reading a request body.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(CHASSIS_OPTIONS) private readonly options: ChassisOptions,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const { httpAdapter } = this.adapterHost;
    const http = host.switchToHttp();
    const request = http.getRequest<unknown>();
    const response = http.getResponse<unknown>();

    const url = String(httpAdapter.getRequestUrl(request));
    const path = url.split('?', 1)[0] ?? url;
    const facts: RequestFacts = {
      method: String(httpAdapter.getRequestMethod(request)),
      path,
      requestId: stringProperty(request, 'id'),
      contentType: stringProperty(property(request, 'headers'), 'content-type'),
      bodyLimitBytes: this.options.bodyLimitBytes,
      ...(exception instanceof NotFoundException
        ? { allowedMethods: this.allowedMethods(httpAdapter.getInstance<unknown>(), path) }
        : {}),
    };
    const { problem, headers, unexpected } = toProblem(exception, facts, this.options.rejections);
    if (unexpected) {
      this.logger.error(exception, `Unexpected error while serving ${facts.path}`);
    }

    if (httpAdapter.isHeadersSent(response)) {
      // The response is under way; all that is left is to end it.
      httpAdapter.end(response);
      return;
    }
    for (const [name, value] of Object.entries(headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.setHeader(response, 'content-type', PROBLEM_CONTENT_TYPE);
    // A Buffer, so that Fastify adds no `charset` parameter (JSON media types define none).
    httpAdapter.reply(response, Buffer.from(JSON.stringify(problem)), problem.status);
  }

  /**
   * The methods with a route at `path`; empty on an adapter that cannot tell (the chassis runs
   * on Fastify, which can).
   */
  private allowedMethods(server: unknown, path: string): string[] {
    if (!isRouteFinder(server)) return [];
    return METHODS.filter((method) => server.findRoute({ method, url: path }) !== null);
  }
}

/** The methods a route is declared for, in the order an `Allow` header lists them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The part of Fastify's instance that finds a route for a method and a concrete path. */
interface RouteFinder {
  findRoute(options: { method: string; url: string }): unknown;
}

function isRouteFinder(value: unknown): value is RouteFinder {
  return typeof property(value, 'findRoute') === 'function';
}

function property(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function stringProperty(value: unknown, key: string): string | undefined {
  const found = property(value, key);
  return typeof found === 'string' ? found : undefined;
}
