import {
  BadRequestException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';

import { ApplicationError } from './application-error';
import { toProblem } from './to-problem';
import type { RequestFacts } from './to-problem';

const request: RequestFacts = {
  method: 'POST',
  path: '/persons/7',
  requestId: 'req-1',
  bodyLimitBytes: 1024,
};

describe('toProblem', () => {
  it.each([
    [ApplicationError.notFound('No person 7'), 404, 'Not Found'],
    [ApplicationError.conflict('Person 7 exists'), 409, 'Conflict'],
    [ApplicationError.preconditionFailed('Version 3, not 2'), 412, 'Precondition Failed'],
    [ApplicationError.validationFailed('Invalid', []), 400, 'Bad Request'],
    [ApplicationError.unprocessable('Too late to change'), 422, 'Unprocessable Entity'],
    [ApplicationError.unauthorized('No token'), 401, 'Unauthorized'],
    [ApplicationError.forbidden('Not yours'), 403, 'Forbidden'],
    [ApplicationError.serviceUnavailable('Rebuilding'), 503, 'Service Unavailable'],
  ])('maps %# to %i %s', (error, status, title) => {
    expect(toProblem(error, request)).toEqual({
      problem: {
        type: 'about:blank',
        title,
        status,
        detail: error.message,
        instance: '/persons/7',
        requestId: 'req-1',
        ...(error.reason.kind === 'validation-failed' ? { errors: [] } : {}),
      },
      headers: {},
      unexpected: false,
    });
  });

  it('sets the authentication challenge and the retry delay as headers', () => {
    expect(
      toProblem(ApplicationError.unauthorized('No token', { challenge: 'Bearer' }), request)
        .headers,
    ).toEqual({ 'www-authenticate': 'Bearer' });
    expect(
      toProblem(ApplicationError.serviceUnavailable('Busy', { retryAfterSeconds: 1.2 }), request)
        .headers,
    ).toEqual({ 'retry-after': '2' });
  });

  it('answers a rate limit with 429 and the whole seconds to wait, at least 1', () => {
    const limited = (seconds: number) =>
      toProblem(
        ApplicationError.tooManyRequests('Slow down', { retryAfterSeconds: seconds }),
        request,
      );
    expect(limited(29.2)).toMatchObject({
      problem: { status: 429, title: 'Too Many Requests', detail: 'Slow down' },
      headers: { 'retry-after': '30' },
      unexpected: false,
    });
    expect(limited(0).headers).toEqual({ 'retry-after': '1' });
  });

  it('adds extension members, which cannot replace standard ones', () => {
    const error = ApplicationError.conflict('Duplicate', {
      extensions: { existingId: 'p-9', status: 200, instance: '/elsewhere' },
    });
    expect(toProblem(error, request).problem).toMatchObject({
      existingId: 'p-9',
      status: 409,
      instance: '/persons/7',
    });
  });

  it("keeps an HttpException's status and joins a list of messages", () => {
    const { problem } = toProblem(new BadRequestException(['name is empty', 'age < 0']), request);
    expect(problem).toMatchObject({ status: 400, detail: 'name is empty; age < 0' });
  });

  it('answers a method the path does not serve with 405 and the methods it does serve', () => {
    const { problem, headers } = toProblem(new NotFoundException('Cannot POST /persons/7'), {
      ...request,
      allowedMethods: ['GET', 'HEAD'],
    });
    expect(problem).toMatchObject({
      status: 405,
      title: 'Method Not Allowed',
      detail: '/persons/7 does not support POST; it supports GET, HEAD',
    });
    expect(headers).toEqual({ allow: 'GET, HEAD' });
  });

  it('keeps 404 for a path no method serves, and for a record not found', () => {
    const unknownPath = { ...request, allowedMethods: [] };
    expect(
      toProblem(new NotFoundException('Cannot POST /nowhere'), unknownPath).problem,
    ).toMatchObject({
      status: 404,
    });
    // A handler's own 404 on a served path: the record is missing, not the method.
    const served = { ...request, allowedMethods: ['GET'] };
    expect(toProblem(new NotFoundException('No person 7'), served).problem).toMatchObject({
      status: 404,
      detail: 'No person 7',
    });
  });

  it('leaves out a detail that only repeats the title', () => {
    expect(toProblem(new ServiceUnavailableException(), request).problem).not.toHaveProperty(
      'detail',
    );
  });

  it.each([
    ['a plain Error', new Error('connect ECONNREFUSED 10.0.0.5:5432')],
    ['a thrown string', 'oops'],
    ['an HttpException with status 500', new HttpException('pool exhausted', 500)],
    ['an HttpException outside 4xx-5xx', new HttpException('moved', 302)],
  ])('answers %s with a bare 500 and flags it as unexpected', (_, exception) => {
    const { problem, unexpected } = toProblem(exception, request);
    expect(unexpected).toBe(true);
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged with the request id',
      instance: '/persons/7',
      requestId: 'req-1',
    });
  });
});
