import { create, toBinary } from '@bufbuild/protobuf';

import { PersonErasedSchema, PersonNameChangedSchema } from '@gov/contracts';

import { MalformedErasureError, erasedPersonOf } from './person-erasure';

const recordedAt = new Date('2026-12-01T10:00:00.000Z');

describe('erasedPersonOf', () => {
  it('gives the person and time of a PersonErased', () => {
    const payload = toBinary(
      PersonErasedSchema,
      create(PersonErasedSchema, { nationalId: '1983081246785', legalGround: 'Art. 17 GDPR' }),
    );
    expect(erasedPersonOf({ eventType: PersonErasedSchema.typeName, payload, recordedAt })).toEqual(
      { nationalId: '1983081246785', erasedAt: recordedAt },
    );
  });

  it('ignores every other event of the log', () => {
    const payload = toBinary(PersonNameChangedSchema, create(PersonNameChangedSchema, {}));
    expect(
      erasedPersonOf({ eventType: PersonNameChangedSchema.typeName, payload, recordedAt }),
    ).toBeNull();
  });

  it('refuses a PersonErased that does not decode or names nobody', () => {
    const eventType = PersonErasedSchema.typeName;
    expect(() =>
      erasedPersonOf({ eventType, payload: Uint8Array.of(0x0a, 0xff), recordedAt }),
    ).toThrow(MalformedErasureError);
    expect(() => erasedPersonOf({ eventType, payload: new Uint8Array(), recordedAt })).toThrow(
      /names no national identification number/,
    );
    const notANumber = toBinary(
      PersonErasedSchema,
      create(PersonErasedSchema, { nationalId: '1983-08-12' }),
    );
    expect(() => erasedPersonOf({ eventType, payload: notANumber, recordedAt })).toThrow(
      MalformedErasureError,
    );
  });
});
