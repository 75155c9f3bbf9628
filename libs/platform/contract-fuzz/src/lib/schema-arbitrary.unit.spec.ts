import Ajv from 'ajv';
import fc from 'fast-check';

import { addFormats } from './formats';
import { brokenValue, validValue } from './schema-arbitrary';
import type { Schema } from './schema-arbitrary';

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const accepts = (schema: Schema, value: unknown): boolean => ajv.validate(schema, value);

/** Schemas of the kinds the services' documents hold (zod's `openapi-3.0` output). */
const SCHEMAS: Record<string, Schema> = {
  'a pattern with a length bound': { type: 'string', pattern: '^B[1-9]\\d{0,5}$', maxLength: 7 },
  'printable text with a letter': {
    type: 'string',
    maxLength: 100,
    pattern: '^[\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\s]*\\p{L}[\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\s]*$',
  },
  'a date': { type: 'string', format: 'date' },
  'an instant': { type: 'string', format: 'date-time' },
  'a UUID with its pattern': {
    type: 'string',
    format: 'uuid',
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  },
  'an enum': { type: 'string', enum: ['F', 'M', 'X'] },
  'a bounded integer': { type: 'integer', minimum: 1, maximum: 500 },
  'a closed object with required and optional members': {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'tags'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 10 },
      tags: {
        type: 'array',
        items: { type: 'string', enum: ['a', 'b'] },
        minItems: 1,
        maxItems: 2,
      },
      note: { type: 'string', nullable: true },
    },
  },
  'a union': {
    oneOf: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'id'],
        properties: {
          kind: { type: 'string', enum: ['person'] },
          id: { type: 'string', pattern: '^\\d{13}$' },
        },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'number'],
        properties: {
          kind: { type: 'string', enum: ['business'] },
          number: { type: 'string', pattern: '^B\\d{1,6}$' },
        },
      },
    ],
  },
};

describe('validValue', () => {
  it.each(Object.entries(SCHEMAS))('draws only values that %s accepts', (_, schema) => {
    fc.assert(
      fc.property(validValue(schema), (value) => {
        expect(accepts(schema, value)).toBe(true);
      }),
      { seed: 15, numRuns: 300 },
    );
  });

  it('reaches the bounds of an integer range', () => {
    const values = fc.sample(validValue({ type: 'integer', minimum: 1, maximum: 500 }), {
      seed: 15,
      numRuns: 1000,
    });
    expect(values).toContain(1);
    expect(values).toContain(500);
  });

  it('leaves an optional member out sometimes and a nullable one null sometimes', () => {
    const values = fc.sample(
      validValue(SCHEMAS['a closed object with required and optional members']!),
      {
        seed: 15,
        numRuns: 300,
      },
    ) as Record<string, unknown>[];
    expect(values.some((value) => !('note' in value))).toBe(true);
    expect(values.some((value) => value['note'] === null)).toBe(true);
  });

  it('draws only the example of a schema whose rule is in words', () => {
    const schema: Schema = {
      type: 'string',
      pattern: '^\\d{13}$',
      description: 'the check digits are verified',
      example: '1983081246785',
    };
    const values = fc.sample(
      validValue(schema, { onlyExample: (s) => /check digits/.test(s.description ?? '') }),
      20,
    );
    expect(new Set(values)).toEqual(new Set(['1983081246785']));
  });

  it('resolves references', () => {
    const resolve = (ref: string): Schema => {
      if (ref !== '#/components/schemas/Sex') throw new Error(ref);
      return { type: 'string', enum: ['F', 'M', 'X'] };
    };
    const values = fc.sample(validValue({ $ref: '#/components/schemas/Sex' }, { resolve }), 50);
    expect(values.every((value) => ['F', 'M', 'X'].includes(value as string))).toBe(true);
  });

  it('draws header-safe text when asked', () => {
    const values = fc.sample(validValue({ type: 'string', maxLength: 30 }, { headerSafe: true }), {
      seed: 15,
      numRuns: 300,
    });
    expect(
      values.every((value) => /^([\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?)?$/.test(value as string)),
    ).toBe(true);
  });
});

describe('brokenValue', () => {
  it.each(Object.entries(SCHEMAS).filter(([name]) => name !== 'a union'))(
    'draws values that %s refuses, naming what they break',
    (_, schema) => {
      const broken = brokenValue(schema);
      if (broken === undefined) throw new Error('no way to break it');
      fc.assert(
        fc.property(broken, ({ value, broken: what }) => {
          expect(what).not.toBe('');
          expect(accepts(schema, value)).toBe(false);
        }),
        { seed: 15, numRuns: 300 },
      );
    },
  );

  it('breaks one member of an object deep down, and says where', () => {
    const broken = brokenValue(SCHEMAS['a closed object with required and optional members']!)!;
    const seen = new Set(
      fc.sample(broken, { seed: 15, numRuns: 500 }).map((b) => `${b.broken} at ${b.at}`),
    );
    expect(seen).toContain('required name at ');
    expect(seen).toContain('maxItems 2 at .tags');
    expect([...seen].some((what) => what.startsWith('enum a|b at .tags['))).toBe(true);
    expect([...seen].some((what) => what.startsWith('additionalProperties false'))).toBe(true);
  });

  it('has nothing to break in a schema that takes anything', () => {
    expect(brokenValue({})).toBeUndefined();
  });
});
