import { ApplicationError } from '@gov/platform-chassis';
import { DomainRejection } from '@gov/platform-decider';
import type { RegistryRejectionCode } from '@gov/registry-domain';

import { parseTraceparent, traceIdOf } from './context';
import { REGISTRY_REJECTION_STATUSES, toApplicationError } from './errors';

// The client's view of each code, written out again rather than derived from the table, so a
// changed status shows up here as a decision to review.
const KINDS: Record<RegistryRejectionCode, string> = {
  INVALID_INPUT: 'validation-failed',
  ALREADY_REGISTERED: 'conflict',
  RECORD_ERASED: 'gone',
  NOT_REGISTERED: 'not-found',
  PERSON_DECEASED: 'conflict',
  BUSINESS_STRUCK_OFF: 'conflict',
  VEHICLE_DEREGISTERED: 'conflict',
  OWNER_NOT_ON_RECORD: 'unprocessable',
  INVALID_CIVIL_STATUS_TRANSITION: 'conflict',
  CORRECTION_ALREADY_EXISTS: 'conflict',
  CORRECTION_NOT_FOUND: 'not-found',
  CORRECTION_ALREADY_DECIDED: 'conflict',
  CORRECTION_NOT_ACCEPTED: 'conflict',
  NOT_DATA_SUBJECT: 'forbidden',
  NOT_REGISTRAR_OF_REGISTER: 'forbidden',
  CONFLICT_OF_INTEREST: 'forbidden',
};

describe('the registry’s rejection statuses', () => {
  it('gives every code a status', () => {
    expect(Object.keys(REGISTRY_REJECTION_STATUSES).sort()).toEqual(Object.keys(KINDS).sort());
  });

  it.each(Object.entries(KINDS))('answers %s as %s, with its code and fields', (code, kind) => {
    const error = toApplicationError(
      new DomainRejection(code as RegistryRejectionCode, 'refused', [
        { field: 'address.postcode', code: 'invalid-postcode', message: 'is wrong' },
      ]),
    );

    expect(error).toBeInstanceOf(ApplicationError);
    expect(error).toMatchObject({ kind, extensions: { code } });
    if (kind === 'validation-failed') {
      expect((error as ApplicationError).reason).toEqual({
        kind,
        errors: [{ field: 'address.postcode', message: 'is wrong' }],
      });
    } else {
      expect((error as ApplicationError).extensions['fields']).toEqual(['address.postcode']);
    }
  });
});

describe('trace context', () => {
  it('keeps a valid traceparent, lower-cased, and reads its trace id', () => {
    const header = '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01';
    expect(parseTraceparent(header)).toBe(header.toLowerCase());
    expect(traceIdOf(parseTraceparent(header))).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it.each([
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
  ])('drops the invalid traceparent %p', (header) => {
    expect(parseTraceparent(header)).toBeUndefined();
    expect(traceIdOf(parseTraceparent(header))).toBeNull();
  });
});
