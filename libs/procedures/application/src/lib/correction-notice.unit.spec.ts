import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import {
  CorrectionNoticeSchema,
  PersonCorrectionSchema,
  Register,
  SexMarker,
} from '@gov/contracts';
import type { CorrectionNotice, PersonCorrection } from '@gov/contracts';

import { InvalidCorrectionNoticeError, decodeCorrectionNotice } from './correction-notice';

const NID = '1983081246785';
const ACCEPTED = new Date('2026-04-02T09:30:00.000Z');

const correction = (value: PersonCorrection['value']) => create(PersonCorrectionSchema, { value });

const notice = (overrides: Partial<Omit<CorrectionNotice, '$typeName'>> = {}) =>
  toBinary(
    CorrectionNoticeSchema,
    create(CorrectionNoticeSchema, {
      noticeId: '1b0e3c56-3f3e-4f57-9a39-6c7b1d2e3f40',
      organisationId: 'cae',
      correctionId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
      register: Register.PERSONS,
      recordId: NID,
      corrected: correction({ case: 'familyName', value: 'Schmitt' }),
      acceptedAt: timestampFromDate(ACCEPTED),
      lastReceivedAt: timestampFromDate(new Date('2026-03-01T10:00:00Z')),
      purpose: 'family-allowance-eligibility',
      procedureId: 'family-allowance',
      ...overrides,
    }),
  );

describe('a registry correction notice, as the procedures service reads it', () => {
  it('names the field as the registry does and carries the correct value as JSON', () => {
    expect(decodeCorrectionNotice(notice())).toEqual({
      noticeId: '1b0e3c56-3f3e-4f57-9a39-6c7b1d2e3f40',
      correctionId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
      organisationId: 'cae',
      recordId: NID,
      field: 'family_name',
      correctedValueJson: '"Schmitt"',
      acceptedAt: ACCEPTED,
    });
    const address = decodeCorrectionNotice(
      notice({
        corrected: create(PersonCorrectionSchema, {
          value: {
            case: 'address',
            value: {
              street: 'Rue de l’Alzette',
              houseNumber: '3',
              postcode: '4011',
              locality: 'Esch-sur-Alzette',
              country: 'LU',
            },
          },
        }),
      }),
    );
    expect(address?.field).toBe('address');
    expect(JSON.parse(address?.correctedValueJson ?? 'null')).toMatchObject({
      locality: 'Esch-sur-Alzette',
      postcode: '4011',
    });
    const sex = decodeCorrectionNotice(
      notice({ corrected: correction({ case: 'sex', value: SexMarker.F }) }),
    );
    expect(sex).toMatchObject({ field: 'sex', correctedValueJson: '"SEX_MARKER_F"' });
    const places = decodeCorrectionNotice(
      notice({
        corrected: create(PersonCorrectionSchema, {
          value: { case: 'nationalities', value: { countries: ['LU', 'FR'] } },
        }),
      }),
    );
    expect(places).toMatchObject({
      field: 'nationalities',
      correctedValueJson: '{"countries":["LU","FR"]}',
    });
  });

  it('ignores a notice about a field it does not know (the contract adds cases)', () => {
    // Field 6 of `corrected` as a later registry might write it: a case unknown to this code.
    const unknownCase = notice({ corrected: create(PersonCorrectionSchema, {}) });
    const withUnknownField = Buffer.concat([
      Buffer.from(notice({ corrected: undefined })),
      // corrected (field 6, length-delimited) holding field 99 (varint 1).
      Buffer.from([0x32, 0x03, 0x98, 0x06, 0x01]),
    ]);
    expect(decodeCorrectionNotice(withUnknownField)).toBeNull();
    expect(decodeCorrectionNotice(unknownCase)).toBeNull();
  });

  it('refuses bytes that are no notice, and a notice that breaks its contract', () => {
    const refused = (value: Uint8Array) => {
      try {
        decodeCorrectionNotice(value);
      } catch (error) {
        if (error instanceof InvalidCorrectionNoticeError) return [error.reason, error.message];
        throw error;
      }
      return null;
    };
    expect(refused(Uint8Array.of(0xff, 0xff, 0xff))?.[0]).toBe('undecodable');
    expect(refused(notice({ noticeId: '' }))).toEqual([
      'invalid',
      expect.stringMatching(/notice_id/),
    ]);
    expect(refused(notice({ organisationId: '' }))?.[1]).toMatch(/organisation_id/);
    expect(refused(notice({ recordId: 'B123456' }))?.[1]).toMatch(/record_id/);
    expect(refused(notice({ register: Register.BUSINESSES }))?.[1]).toMatch(/register/);
    expect(refused(notice({ acceptedAt: undefined }))?.[1]).toMatch(/accepted_at/);
    expect(refused(notice({ corrected: undefined }))?.[1]).toMatch(/corrected is missing/);
  });
});
