import { correctionFormValues, correctionRequestBody, inputOfErrorPath } from './correction-form';

const form = (values: Record<string, string>) => correctionFormValues(values);

describe('the correction form', () => {
  it('sends the correct value built from the part of the form of the chosen field', () => {
    const values = form({
      value: ' LU, pt;FR ',
      birthLocality: 'Esch',
      birthCountry: ' LU ',
      street: 'Grand-Rue',
      houseNumber: '1',
      postcode: '1661',
      locality: 'Luxembourg',
      country: 'LU',
      justification: '<b>Birth certificate</b>',
    });
    const value = (field: Parameters<typeof correctionRequestBody>[1]) =>
      (
        correctionRequestBody('1983081246785', field, values) as {
          target: { correction: { value: unknown } };
        }
      ).target.correction.value;

    expect(correctionRequestBody('1983081246785', 'nationalities', values)).toEqual({
      target: {
        register: 'persons',
        recordId: '1983081246785',
        correction: { field: 'nationalities', value: ['LU', 'PT', 'FR'] },
      },
      justification: '<b>Birth certificate</b>',
    });
    expect(value('placeOfBirth')).toEqual({ locality: 'Esch', country: 'LU' });
    expect(value('address')).toEqual({
      street: 'Grand-Rue',
      houseNumber: '1',
      postcode: '1661',
      locality: 'Luxembourg',
      country: 'LU',
    });
    expect(value('familyName')).toBe(' LU, pt;FR ');
    expect(correctionFormValues(undefined).justification).toBe('');
  });

  it('puts the registry’s errors next to the inputs they are about', () => {
    expect(inputOfErrorPath('sex', 'target.correction.value')).toBe('value');
    expect(inputOfErrorPath('nationalities', 'target.correction.value[1]')).toBe('value');
    expect(inputOfErrorPath('address', 'target.correction.value.postcode')).toBe('postcode');
    expect(inputOfErrorPath('address', 'target.correction.value')).toBe('street');
    expect(inputOfErrorPath('placeOfBirth', 'target.correction.value.country')).toBe(
      'birthCountry',
    );
    expect(inputOfErrorPath('givenNames', 'justification')).toBe('justification');
    expect(inputOfErrorPath('givenNames', 'target.correction.field')).toBe('field');
    expect(inputOfErrorPath('givenNames', 'target.recordId')).toBeUndefined();
    expect(inputOfErrorPath('givenNames', 'target.correction.valueOther')).toBeUndefined();
  });
});
