import { DomainRejection } from '@gov/platform-decider';
import {
  ConcurrencyError,
  DuplicateEventError,
  ExpectedVersionMismatchError,
  ReadOnlyStoreError,
  StoreUnavailableError,
  UnexpectedStoreError,
} from '@gov/platform-event-sourcing';

import { ApplicationError } from './application-error';
import { toApplicationError } from './platform-errors';
import type { RejectionStatuses } from './platform-errors';
import { toProblem } from './to-problem';
import type { RequestFacts } from './to-problem';

type Code = 'BAD' | 'NOT_YOURS' | 'UNKNOWN' | 'TAKEN' | 'TOO_LATE';
const rejections: RejectionStatuses<Code> = {
  BAD: 400,
  NOT_YOURS: 403,
  UNKNOWN: 404,
  TAKEN: 409,
  TOO_LATE: 422,
};

const request: RequestFacts = {
  method: 'PUT',
  path: '/seats/7',
  requestId: 'req-1',
  bodyLimitBytes: 1024,
};

const postcode = { field: 'address.postcode', code: 'invalid-postcode', message: 'is wrong' };
const answer = (error: unknown) => toProblem(error, request, rejections);

describe('the mapping of platform errors to HTTP', () => {
  it('answers a rejection with status 400 with its fields as errors and its code', () => {
    const { problem, headers, unexpected } = answer(
      new DomainRejection<Code>('BAD', 'BookSeat: address.postcode is wrong', [postcode]),
    );

    expect(unexpected).toBe(false);
    expect(headers).toEqual({});
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'some fields are invalid; see errors',
      instance: '/seats/7',
      requestId: 'req-1',
      code: 'BAD',
      errors: [{ field: 'address.postcode', message: 'is wrong' }],
    });
  });

  it.each([
    ['NOT_YOURS', 403, 'Forbidden'],
    ['UNKNOWN', 404, 'Not Found'],
    ['TAKEN', 409, 'Conflict'],
    ['TOO_LATE', 422, 'Unprocessable Entity'],
  ] as const)(
    'answers a rejection %s with %i and its code and field paths',
    (code, status, title) => {
      const { problem, unexpected } = answer(
        new DomainRejection<Code>(code, 'seat 7 is refused', [postcode]),
      );

      expect(unexpected).toBe(false);
      expect(problem).toEqual({
        type: 'about:blank',
        title,
        status,
        detail: 'seat 7 is refused',
        instance: '/seats/7',
        requestId: 'req-1',
        code,
        fields: ['address.postcode'],
      });
    },
  );

  it('answers a rejection whose code the service did not declare as a fault (500)', () => {
    const { problem, unexpected } = answer(new DomainRejection('SOMETHING_ELSE', 'refused'));
    expect(unexpected).toBe(true);
    expect(problem.status).toBe(500);
    // Not even an inherited property of the table counts as a status.
    expect(answer(new DomainRejection('constructor', 'refused')).problem.status).toBe(500);
  });

  it('answers a mismatch with the version the client stated 412, with the current version', () => {
    const { problem } = answer(new ExpectedVersionMismatchError('seat-7', 2, 3));
    expect(problem).toMatchObject({
      status: 412,
      title: 'Precondition Failed',
      detail: 'the record is at version 3, not 2: read it again and decide on its current state',
      currentVersion: 3,
    });
  });

  it('answers any other version conflict 409: concurrent writers kept winning', () => {
    const { problem, unexpected } = answer(new ConcurrencyError('seat-7', 2, 3));
    expect(unexpected).toBe(false);
    expect(problem).toMatchObject({ status: 409, title: 'Conflict' });
    expect(problem).not.toHaveProperty('currentVersion');
  });

  it('answers an append carried out before 409 ALREADY_APPLIED', () => {
    expect(answer(new DuplicateEventError('seat-7', 'e-1')).problem).toMatchObject({
      status: 409,
      code: 'ALREADY_APPLIED',
    });
  });

  it('answers a write on a site that does not write 503 READ_ONLY_SITE with its role', () => {
    const { problem, headers, unexpected } = answer(
      new ReadOnlyStoreError('replica', 'this site is a replica: write to the primary'),
    );
    expect(unexpected).toBe(false);
    expect(headers).toEqual({});
    expect(problem).toMatchObject({
      status: 503,
      title: 'Service Unavailable',
      detail: 'this site is a replica: write to the primary',
      code: 'READ_ONLY_SITE',
      siteRole: 'replica',
    });
  });

  it('answers an unreachable database 503 with Retry-After, revealing nothing of it', () => {
    const { problem, headers } = answer(
      new StoreUnavailableError('append', 'connect ECONNREFUSED 10.0.0.5:5432', '08006'),
    );
    expect(headers).toEqual({ 'retry-after': '1' });
    expect(problem.status).toBe(503);
    expect(JSON.stringify(problem)).not.toContain('10.0.0.5');
  });

  it('answers an event store fault 500 that reveals nothing', () => {
    const { problem, unexpected } = answer(
      new UnexpectedStoreError('append', 'disk full', '53100'),
    );
    expect(unexpected).toBe(true);
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('disk full');
  });

  it('leaves application errors and unknown errors as they are', () => {
    const refused = ApplicationError.forbidden('no');
    const bug = new TypeError('undefined is not a function');
    expect(toApplicationError(refused, rejections)).toBe(refused);
    expect(toApplicationError(bug, rejections)).toBe(bug);
  });
});
