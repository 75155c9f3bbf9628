// The correction request form: what it sends to the registry (`POST /corrections`), and where
// the registry's field errors go back to. Pure functions.
import { formValue } from '../layout/forms';

/** The fields of a person's record the registry lets its data subject ask to correct. */
export const CORRECTABLE_FIELDS = [
  'givenNames',
  'familyName',
  'placeOfBirth',
  'sex',
  'nationalities',
  'address',
] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];

/** The form's inputs by name, as typed. */
export const FORM_INPUTS = [
  'field',
  'value',
  'birthLocality',
  'birthCountry',
  'street',
  'houseNumber',
  'postcode',
  'locality',
  'country',
  'justification',
  'idempotencyKey',
] as const;
export type FormInput = (typeof FORM_INPUTS)[number];
export type CorrectionFormValues = Readonly<Record<FormInput, string>>;

/** The form's values from a posted body ('' for what was not sent). */
export function correctionFormValues(body: unknown): CorrectionFormValues {
  return Object.fromEntries(FORM_INPUTS.map((name) => [name, formValue(body, name)])) as Record<
    FormInput,
    string
  >;
}

export function isCorrectableField(value: string): value is CorrectableField {
  return (CORRECTABLE_FIELDS as readonly string[]).includes(value);
}

/**
 * The registry's request body for the values of the form: the correct value built from the
 * part of the form that belongs to the chosen field. Values go as typed (trimmed only where a
 * person would not mean the spaces, country codes upper-cased as the registry's API takes
 * them): the registry checks and normalises them, and its errors come back next to the fields.
 */
export function correctionRequestBody(
  nationalId: string,
  field: CorrectableField,
  values: CorrectionFormValues,
): unknown {
  return {
    target: {
      register: 'persons',
      recordId: nationalId,
      correction: { field, value: correctValue(field, values) },
    },
    justification: values.justification,
  };
}

function correctValue(field: CorrectableField, values: CorrectionFormValues): unknown {
  switch (field) {
    case 'givenNames':
    case 'familyName':
      return values.value;
    case 'sex':
      return values.value.trim().toUpperCase();
    case 'nationalities':
      return (
        values.value
          .split(/[\s,;]+/)
          // The registry's API takes country codes in upper case, as ISO 3166-1 writes them.
          .map((code) => code.trim().toUpperCase())
          .filter((code) => code.length > 0)
      );
    case 'placeOfBirth':
      return {
        locality: values.birthLocality,
        country: values.birthCountry.trim().toUpperCase(),
      };
    case 'address':
      return {
        street: values.street,
        houseNumber: values.houseNumber,
        postcode: values.postcode,
        locality: values.locality,
        country: values.country.trim().toUpperCase(),
      };
    default: {
      const unknown: never = field;
      throw new TypeError(`unknown field ${String(unknown)}`);
    }
  }
}

const VALUE_PATH = 'target.correction.value';
const PLACE_OF_BIRTH_INPUTS: Readonly<Record<string, FormInput>> = {
  locality: 'birthLocality',
  country: 'birthCountry',
};
const ADDRESS_INPUTS: readonly FormInput[] = [
  'street',
  'houseNumber',
  'postcode',
  'locality',
  'country',
];

/**
 * The form input an error of the registry belongs to, by the error's path in the request
 * body: the correct value's parts to the inputs of the chosen field, the justification to
 * its own. `undefined` for a path the form has no input for (the summary shows it).
 */
export function inputOfErrorPath(field: CorrectableField, path: string): FormInput | undefined {
  if (path === 'justification') return 'justification';
  if (path === 'target.correction.field') return 'field';
  if (
    path !== VALUE_PATH &&
    !path.startsWith(`${VALUE_PATH}.`) &&
    !path.startsWith(`${VALUE_PATH}[`)
  ) {
    return undefined;
  }
  const rest = path.slice(VALUE_PATH.length).replace(/^\./, '');
  switch (field) {
    case 'placeOfBirth':
      return PLACE_OF_BIRTH_INPUTS[rest] ?? 'birthLocality';
    case 'address':
      return ADDRESS_INPUTS.find((input) => input === rest) ?? 'street';
    default:
      return 'value';
  }
}
