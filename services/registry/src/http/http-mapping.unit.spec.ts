import { ApplicationError, ZodPipe, openApiSchema } from '@gov/platform-chassis';
import { thrownBy } from '@gov/platform-testing';

import { BUSINESS_EXAMPLES, RegisterBusinessBody, StrikeOffBody } from './dto/businesses.dto';
import { AsOfQuery, NationalIdParam } from './dto/common.dto';
import { ChangeManagersBody, ChangeBusinessAddressBody } from './dto/businesses.dto';
import {
  CORRECTION_EXAMPLES,
  CorrectionListQuery,
  RejectCorrectionBody,
  RequestCorrectionBody,
} from './dto/corrections.dto';
import {
  ChangeAddressBody,
  ChangeCivilStatusBody,
  ChangeNameBody,
  PERSON_EXAMPLES,
  RecordDeathBody,
  RegisterPersonBody,
} from './dto/persons.dto';

function rejection(run: () => unknown): ApplicationError {
  const error = thrownBy(run);
  if (error instanceof ApplicationError) return error;
  throw error;
}

describe('ZodPipe', () => {
  it('lists every offending field by its path, as the domain writes paths', () => {
    const error = rejection(() =>
      new ZodPipe(RegisterBusinessBody).transform({
        name: 7,
        legalForm: 'GmbH',
        registeredAddress: { ...BUSINESS_EXAMPLES.register.registeredAddress, postcode: null },
        managers: [{ nationalId: '1983081246785', role: 'manager', since: '2020' }, {}],
        founded: 2020,
      }),
    );

    expect(error.reason).toEqual({
      kind: 'validation-failed',
      errors: [
        { field: 'name', message: 'Invalid input: expected string, received number' },
        { field: 'legalForm', message: expect.stringMatching(/^Invalid option/) as unknown },
        {
          field: 'registeredAddress.postcode',
          message: 'Invalid input: expected string, received null',
        },
        { field: 'managers[0].since', message: 'is not a known field' },
        {
          field: 'managers[1].nationalId',
          message: 'Invalid input: expected string, received undefined',
        },
        { field: 'managers[1].role', message: expect.stringMatching(/^Invalid option/) as unknown },
        { field: 'founded', message: 'is not a known field' },
      ],
    });
  });

  it('names a missing body, and a bad parameter by its name', () => {
    expect(rejection(() => new ZodPipe(ChangeNameBody).transform(undefined)).reason).toMatchObject({
      errors: [{ field: 'body' }],
    });
    expect(
      rejection(() => new ZodPipe(NationalIdParam, 'nationalId').transform('1983081246786')).reason,
    ).toMatchObject({ errors: [{ field: 'nationalId' }] });
    expect(
      rejection(() => new ZodPipe(AsOfQuery, 'asOf').transform('yesterday')).reason,
    ).toMatchObject({
      errors: [{ field: 'asOf' }],
    });
  });

  it('routes a correction by register and field, and refuses a mismatched value', () => {
    const pipe = new ZodPipe(RequestCorrectionBody);
    expect(pipe.transform(CORRECTION_EXAMPLES.request)).toEqual(CORRECTION_EXAMPLES.request);
    expect(
      rejection(() =>
        pipe.transform({
          ...CORRECTION_EXAMPLES.request,
          target: {
            register: 'persons',
            recordId: '1983081246785',
            correction: { field: 'sex', value: 3 },
          },
        }),
      ).reason,
    ).toMatchObject({ errors: [{ field: 'target.correction.value' }] });
    expect(
      rejection(() =>
        pipe.transform({
          ...CORRECTION_EXAMPLES.request,
          target: {
            register: 'vehicles',
            recordId: 'X',
            correction: { field: 'plate', value: '' },
          },
        }),
      ).reason,
    ).toMatchObject({ errors: [{ field: 'target.register' }] });
  });

  it('defaults an absent place of birth to unknown and parses an instant', () => {
    const withoutPlace = Object.fromEntries(
      Object.entries(PERSON_EXAMPLES.register).filter(([field]) => field !== 'placeOfBirth'),
    );
    expect(new ZodPipe(RegisterPersonBody).transform(withoutPlace).placeOfBirth).toBeNull();
    expect(new ZodPipe(AsOfQuery, 'asOf').transform('2026-03-01T10:00:00+01:00')).toEqual(
      new Date('2026-03-01T09:00:00Z'),
    );
    expect(new ZodPipe(CorrectionListQuery, 'query').transform({ limit: '20' })).toEqual({
      limit: 20,
    });
  });
});

describe('documented examples', () => {
  it.each([
    ['register person', RegisterPersonBody, PERSON_EXAMPLES.register],
    ['change name', ChangeNameBody, PERSON_EXAMPLES.changeName],
    ['change address', ChangeAddressBody, PERSON_EXAMPLES.changeAddress],
    ['change civil status', ChangeCivilStatusBody, PERSON_EXAMPLES.changeCivilStatus],
    ['record death', RecordDeathBody, PERSON_EXAMPLES.recordDeath],
    ['register business', RegisterBusinessBody, BUSINESS_EXAMPLES.register],
    ['change business address', ChangeBusinessAddressBody, BUSINESS_EXAMPLES.changeAddress],
    ['change managers', ChangeManagersBody, BUSINESS_EXAMPLES.changeManagers],
    ['strike off', StrikeOffBody, BUSINESS_EXAMPLES.strikeOff],
    ['request correction', RequestCorrectionBody, CORRECTION_EXAMPLES.request],
    ['request business correction', RequestCorrectionBody, CORRECTION_EXAMPLES.requestBusiness],
    ['reject correction', RejectCorrectionBody, CORRECTION_EXAMPLES.reject],
  ] as const)('%s: the example is a valid request', (_, schema, example) => {
    expect(schema.safeParse(example).success).toBe(true);
  });

  it('documents a request body as an OpenAPI 3.0 schema', () => {
    expect(openApiSchema(ChangeAddressBody)).toMatchObject({
      type: 'object',
      required: ['address'],
      additionalProperties: false,
      properties: {
        address: { type: 'object', required: expect.arrayContaining(['postcode']) as unknown },
      },
    });
  });
});

// Found by the contract fuzz test (libs/platform/contract-fuzz): requests the document called
// valid that the domain refused with 400, and a document silent about what the service checks.
describe('the document states what the registry checks', () => {
  it('gives a national id in a path its shape, and says the check digits are verified', () => {
    expect(openApiSchema(NationalIdParam)).toMatchObject({
      type: 'string',
      pattern: '^\\d{13}$',
      description: expect.stringContaining('check digits are verified') as unknown,
    });
  });

  it('refuses, by its schema, the blank names and unknown countries the domain refuses', () => {
    const person = PERSON_EXAMPLES.register;
    for (const refused of [
      { ...person, givenNames: '   ' },
      { ...person, familyName: '1234' },
      { ...person, nationalities: [] },
      { ...person, nationalities: ['LU', 'LU'] },
      { ...person, address: { ...person.address, country: 'XX' } },
      { ...person, birthDate: '2023-02-29' },
    ]) {
      expect(RegisterPersonBody.safeParse(refused).success).toBe(false);
    }
    const schema = openApiSchema(RegisterPersonBody) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(schema.properties['givenNames']).toMatchObject({
      maxLength: 100,
      pattern: expect.any(String) as unknown,
    });
    expect(schema.properties['birthDate']).toMatchObject({ format: 'date' });
    expect(schema.properties['nationalities']).toMatchObject({ minItems: 1, uniqueItems: true });
  });

  it('says a registered office is in Luxembourg, with a 4-digit postcode', () => {
    const business = BUSINESS_EXAMPLES.register;
    const abroad = {
      ...business,
      registeredAddress: { ...business.registeredAddress, country: 'FR', postcode: '75001' },
    };
    expect(RegisterBusinessBody.safeParse(abroad).success).toBe(false);
    const schema = openApiSchema(RegisterBusinessBody) as {
      properties: { registeredAddress: { properties: Record<string, unknown> } };
    };
    expect(schema.properties.registeredAddress.properties['country']).toMatchObject({
      enum: ['LU'],
    });
  });
});
