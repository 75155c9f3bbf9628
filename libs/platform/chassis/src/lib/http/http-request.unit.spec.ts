import { thrownBy } from '@gov/platform-testing';

import { ApplicationError } from '../errors/application-error';
import { commandRequestMeta, parseIfMatch, parseTraceparent } from './http-request';
import type { HttpRequest } from './http-request';

function rejection(run: () => unknown): ApplicationError {
  const error = thrownBy(run);
  if (error instanceof ApplicationError) return error;
  throw error;
}

describe('If-Match', () => {
  it.each([
    [undefined, undefined],
    ['*', undefined],
    ['"3"', 3],
    [' "12" ', 12],
  ])('reads %p as %p', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it.each(['3', 'W/"3"', '"3", "4"', '"-1"', '"x"'])('refuses %p with 400', (header) => {
    expect(rejection(() => parseIfMatch(header)).reason).toMatchObject({
      kind: 'validation-failed',
      errors: [{ field: 'If-Match' }],
    });
  });
});

describe('command request meta', () => {
  const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const request = (headers: HttpRequest['headers']): HttpRequest => ({
    id: 'req-1',
    method: 'POST',
    url: '/things',
    headers,
  });

  it('carries the request id, a valid trace context and its state', () => {
    expect(commandRequestMeta(request({ traceparent: TRACEPARENT, tracestate: 'a=1' }))).toEqual({
      correlationId: 'req-1',
      traceparent: TRACEPARENT,
      tracestate: 'a=1',
    });
  });

  it('drops an invalid traceparent with its state, and a tracestate over 512 characters', () => {
    expect(commandRequestMeta(request({ traceparent: 'nonsense', tracestate: 'a=1' }))).toEqual({
      correlationId: 'req-1',
    });
    expect(
      commandRequestMeta(request({ traceparent: TRACEPARENT, tracestate: 'a'.repeat(513) })),
    ).toEqual({ correlationId: 'req-1', traceparent: TRACEPARENT });
    expect(parseTraceparent(`ff${TRACEPARENT.slice(2)}`)).toBeUndefined();
  });

  it('carries the idempotency seed the interceptor set', () => {
    const seed = { seed: 'ab', firstSeenAt: new Date('2026-01-01T00:00:00Z') };
    expect(commandRequestMeta({ ...request({}), idempotency: seed }).idempotency).toBe(seed);
  });
});
