import { Catch, Inject, Logger } from '@nestjs/common';
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
    const facts: RequestFacts = {
      method: String(httpAdapter.getRequestMethod(request)),
      path: url.split('?', 1)[0] ?? url,
      requestId: stringProperty(request, 'id'),
      contentType: stringProperty(property(request, 'headers'), 'content-type'),
      bodyLimitBytes: this.options.bodyLimitBytes,
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
