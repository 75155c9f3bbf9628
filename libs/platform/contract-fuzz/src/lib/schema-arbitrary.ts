import fc from 'fast-check';

/**
 * The part of OpenAPI 3.0's schema object the services' documents use (zod's `openapi-3.0`
 * output): enough to generate values from, and to break one constraint of.
 */
export interface Schema {
  readonly $ref?: string;
  readonly type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  readonly nullable?: boolean;
  readonly enum?: readonly unknown[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean | number;
  readonly exclusiveMaximum?: boolean | number;
  readonly items?: Schema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly description?: string;
  readonly example?: unknown;
}

/** Resolves `$ref`s (`#/components/schemas/X`) against the document. */
export type RefResolver = (ref: string) => Schema;

/** How strings without a pattern, format or enum are drawn: printable text of any script. */
export interface ArbitraryOptions {
  readonly resolve?: RefResolver;
  /**
   * Only characters that may stand in a header value (visible ASCII, inner spaces): for
   * headers, where a client cannot send anything else.
   */
  readonly headerSafe?: boolean;
  /** Longest array drawn when the schema sets no `maxItems` (3 by default). */
  readonly maxArrayItems?: number;
  /**
   * Longest array drawn whatever the schema allows: for items that must differ by a rule the
   * schema states in words (managers who are distinct persons).
   */
  readonly arrayItemsCap?: number;
  /**
   * Schemas whose valid values are only their example: a rule the schema states in words,
   * not in keywords (check digits), which a drawn value would break.
   */
  readonly onlyExample?: (schema: Schema) => boolean;
  /**
   * Object members, by name, whose valid values are only their example: a value of a catalogue
   * the service is configured with (an organisation), which no schema can list.
   */
  readonly exampleMembers?: ReadonlySet<string>;
}

/** A string's length as JSON Schema counts it: in code points. */
function length(text: string): number {
  return Array.from(text).length;
}

const NO_REFS: RefResolver = (ref) => {
  throw new Error(`unresolved $ref ${ref}`);
};

function deref(schema: Schema, options: ArbitraryOptions): Schema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined; depth += 1) {
    if (depth > 32) throw new Error(`$ref cycle at ${current.$ref}`);
    current = (options.resolve ?? NO_REFS)(current.$ref);
  }
  return current;
}

/** A value that the schema accepts, drawn from the whole of what it accepts. */
export function validValue(schema: Schema, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const s = deref(schema, options);
  if (s.example !== undefined && options.onlyExample?.(s) === true) return fc.constant(s.example);
  const base = nonNullValue(s, options);
  return s.nullable === true ? fc.oneof(base, fc.constant(null)) : base;
}

function nonNullValue(s: Schema, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  if (s.enum !== undefined) return fc.constantFrom(...s.enum.filter((v) => v !== null));
  if (s.oneOf !== undefined) return fc.oneof(...s.oneOf.map((x) => validValue(x, options)));
  if (s.anyOf !== undefined) return fc.oneof(...s.anyOf.map((x) => validValue(x, options)));
  if (s.allOf !== undefined) return validValue(mergeAllOf(s.allOf, options), options);
  switch (s.type) {
    case 'string':
      return validString(s, options);
    case 'integer':
      return fc.integer({ min: lowerBound(s, 1), max: upperBound(s, 1) });
    case 'number':
      return fc.double({
        min: s.minimum ?? -1e9,
        max: s.maximum ?? 1e9,
        minExcluded: s.exclusiveMinimum === true,
        maxExcluded: s.exclusiveMaximum === true,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = validValue(s.items ?? {}, options);
      const minLength = s.minItems ?? 0;
      const constraints = {
        minLength,
        maxLength: Math.max(
          minLength,
          Math.min(
            s.maxItems ?? Math.max(minLength, options.maxArrayItems ?? 3),
            options.arrayItemsCap ?? Number.MAX_SAFE_INTEGER,
          ),
        ),
      };
      // A large maximum (a batch of 500) is reached now and then, not on every run.
      const sized = { ...constraints, size: 'small' as const };
      return s.uniqueItems === true
        ? fc.uniqueArray(items, { ...sized, selector: (v) => JSON.stringify(v) })
        : fc.array(items, sized);
    }
    case 'object':
    case undefined:
      if (s.type === undefined && s.properties === undefined) return fc.jsonValue();
      return validObject(s, options);
    default: {
      const unknownType: never = s.type;
      throw new Error(`unsupported schema type ${String(unknownType)}`);
    }
  }
}

function validObject(s: Schema, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  const properties = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const record = fc.record(
    Object.fromEntries(
      Object.entries(properties).map(([key, value]) => {
        const example = deref(value, options).example;
        return [
          key,
          options.exampleMembers?.has(key) === true && example !== undefined
            ? fc.constant(example)
            : validValue(value, options),
        ];
      }),
    ),
    { requiredKeys: Object.keys(properties).filter((key) => required.has(key)) },
  );
  return record;
}

function mergeAllOf(parts: readonly Schema[], options: ArbitraryOptions): Schema {
  return parts
    .map((part) => deref(part, options))
    .reduce((merged, part) => ({ ...merged, ...part }));
}

/** The smallest integer the schema accepts (`step` 1) within the safe range. */
function lowerBound(s: Schema, step: number): number {
  if (typeof s.exclusiveMinimum === 'number') return s.exclusiveMinimum + step;
  if (s.minimum === undefined) return Number.MIN_SAFE_INTEGER;
  return s.exclusiveMinimum === true ? s.minimum + step : s.minimum;
}

function upperBound(s: Schema, step: number): number {
  if (typeof s.exclusiveMaximum === 'number') return s.exclusiveMaximum - step;
  if (s.maximum === undefined) return Number.MAX_SAFE_INTEGER;
  return s.exclusiveMaximum === true ? s.maximum - step : s.maximum;
}

const HEADER_CHAR = fc.mapToConstant({
  num: 0x7e - 0x21 + 1,
  build: (v) => String.fromCharCode(0x21 + v),
});

function freeText(options: ArbitraryOptions, minLength: number, maxLength: number) {
  if (options.headerSafe === true) {
    // Inner spaces only: HTTP trims a header value's leading and trailing whitespace.
    return fc
      .array(
        fc.oneof({ weight: 9, arbitrary: HEADER_CHAR }, { weight: 1, arbitrary: fc.constant(' ') }),
        {
          minLength,
          maxLength,
        },
      )
      .map((chars) => chars.join(''))
      .filter((text) => text === text.trim());
  }
  // Text as clients send it, NFC-normalised: the services count characters after NFC, and a
  // few code points (composition exclusions) grow under it.
  return fc
    .string({ unit: 'grapheme', minLength, maxLength })
    .map((text) => text.normalize('NFC'))
    .filter((text) => length(text) >= minLength && length(text) <= maxLength);
}

function validString(s: Schema, options: ArbitraryOptions): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = s.maxLength ?? Math.max(minLength, 40);
  const fitsLength = (value: string): boolean =>
    length(value) >= minLength && length(value) <= maxLength;
  const pattern = s.pattern === undefined ? undefined : new RegExp(s.pattern, 'u');
  let base: fc.Arbitrary<string>;
  switch (s.format) {
    case 'date-time':
      base = isoDate().map((date) => date.toISOString());
      break;
    case 'date':
      base = isoDate().map((date) => date.toISOString().slice(0, 10));
      break;
    case 'uuid':
      base = fc.uuid();
      break;
    default:
      base =
        pattern === undefined
          ? freeText(options, minLength, maxLength)
          : fc
              .stringMatching(pattern)
              .map((text) => text.normalize('NFC'))
              .filter((text) => pattern.test(text) && fitsLength(text));
  }
  return pattern === undefined || s.format === undefined
    ? base.filter(fitsLength)
    : base.filter((value) => pattern.test(value) && fitsLength(value));
}

/**
 * Past instants only: a date in the future is refused by rules a schema cannot state (a birth
 * date not after today), and every date the documents take is of something that happened.
 */
function isoDate(): fc.Arbitrary<Date> {
  return fc.date({
    min: new Date('1900-01-01T00:00:00Z'),
    max: new Date('2020-12-31T23:59:59Z'),
    noInvalidDate: true,
  });
}

/** A value the schema refuses, with what it breaks. */
export interface Broken {
  readonly value: unknown;
  /** The constraint broken, for the failure message (`maxLength 100`, `required name`). */
  readonly broken: string;
  /** Where, below the value given: a JSON path suffix such as `.address.postcode`. */
  readonly at: string;
}

/**
 * Values the schema refuses, each breaking one constraint (a type, a bound, a pattern, an
 * enum, a required property, a closed object) at one place in an otherwise valid value;
 * `undefined` when the schema accepts everything.
 */
export function brokenValue(
  schema: Schema,
  options: ArbitraryOptions = {},
): fc.Arbitrary<Broken> | undefined {
  const s = deref(schema, options);
  const ways: fc.Arbitrary<Broken>[] = [];
  const here = (value: fc.Arbitrary<unknown>, broken: string): void => {
    ways.push(value.map((v) => ({ value: v, broken, at: '' })));
  };
  if (s.type === undefined && s.enum === undefined && s.properties === undefined) {
    return undefined;
  }
  if (s.nullable !== true && s.type !== undefined) here(fc.constant(null), 'not nullable');
  if (s.enum !== undefined) {
    const allowed = new Set(s.enum);
    here(
      freeText(options, 1, 12).filter((v) => !allowed.has(v)),
      `enum ${s.enum.map(String).join('|')}`,
    );
  }
  switch (s.type) {
    case 'string':
      brokenString(s, options, here);
      break;
    case 'integer':
    case 'number':
      here(fc.constantFrom('1', true, []), `type ${s.type}`);
      if (s.type === 'integer') here(fc.constant(1.5), 'type integer');
      if (s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER) {
        here(
          fc.integer({ min: s.minimum - 1000, max: lowerBound(s, 1) - 1 }),
          `minimum ${s.minimum}`,
        );
      }
      if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) {
        here(
          fc.integer({ min: upperBound(s, 1) + 1, max: s.maximum + 1000 }),
          `maximum ${s.maximum}`,
        );
      }
      break;
    case 'boolean':
      here(fc.constantFrom('true', 1), 'type boolean');
      break;
    case 'array':
      brokenArray(s, options, here, ways);
      break;
    case 'object':
    case undefined:
      if (s.properties !== undefined) brokenObject(s, options, here, ways);
      break;
    default:
      break;
  }
  return ways.length === 0 ? undefined : fc.oneof(...ways);
}

type Here = (value: fc.Arbitrary<unknown>, broken: string) => void;

function brokenString(s: Schema, options: ArbitraryOptions, here: Here): void {
  here(fc.constantFrom(1, true), 'type string');
  const pattern = s.pattern === undefined ? undefined : new RegExp(s.pattern, 'u');
  if (pattern !== undefined) {
    here(
      freeText(options, 0, 20).filter((v) => !pattern.test(v)),
      `pattern ${s.pattern ?? ''}`,
    );
  }
  if (s.maxLength !== undefined) {
    const maxLength = s.maxLength;
    // A valid value stretched past the limit: the length is the only thing wrong with it
    // unless a pattern also bounds it. Lengths count code points, as JSON Schema does.
    here(
      validString(
        { ...s, maxLength: undefined, minLength: undefined, pattern: undefined, format: undefined },
        options,
      ).map((v) => `${v}${'x'.repeat(Math.max(0, maxLength + 1 - length(v)))}`),
      `maxLength ${maxLength}`,
    );
  }
  if (s.minLength !== undefined && s.minLength > 0) {
    const minLength = s.minLength;
    here(freeText(options, 0, minLength - 1), `minLength ${minLength}`);
  }
  if (s.format === 'date-time' || s.format === 'date' || s.format === 'uuid') {
    here(
      fc.constantFrom('2024-13-45', 'yesterday', '12345678-1234-1234-1234', '2024-02-30T25:00:00Z'),
      `format ${s.format}`,
    );
  }
}

function brokenArray(
  s: Schema,
  options: ArbitraryOptions,
  here: Here,
  ways: fc.Arbitrary<Broken>[],
): void {
  here(fc.constantFrom('[]', 1, {}), 'type array');
  const items = s.items ?? {};
  if (s.maxItems !== undefined) {
    const maxItems = s.maxItems;
    here(
      validValue(items, options).map((item) => Array.from({ length: maxItems + 1 }, () => item)),
      `maxItems ${maxItems}`,
    );
  }
  if (s.minItems !== undefined && s.minItems > 0) {
    here(
      fc.array(validValue(items, options), { maxLength: s.minItems - 1 }),
      `minItems ${s.minItems}`,
    );
  }
  const brokenItem = brokenValue(items, options);
  if (brokenItem !== undefined) {
    const minItems = Math.max(s.minItems ?? 0, 1);
    ways.push(
      fc
        .tuple(
          fc.array(validValue(items, options), {
            minLength: minItems - 1,
            maxLength: minItems - 1,
          }),
          brokenItem,
        )
        .map(([valid, broken]) => ({
          value: [...valid, broken.value],
          broken: broken.broken,
          at: `[${valid.length}]${broken.at}`,
        })),
    );
  }
}

function brokenObject(
  s: Schema,
  options: ArbitraryOptions,
  here: Here,
  ways: fc.Arbitrary<Broken>[],
): void {
  const valid = validObject(s, options) as fc.Arbitrary<Record<string, unknown>>;
  here(fc.constantFrom('{}', 1, []), 'type object');
  for (const key of s.required ?? []) {
    ways.push(
      valid.map((value) => ({
        value: Object.fromEntries(Object.entries(value).filter(([name]) => name !== key)),
        broken: `required ${key}`,
        at: '',
      })),
    );
  }
  if (s.additionalProperties === false) {
    const known = new Set(Object.keys(s.properties ?? {}));
    ways.push(
      fc
        .tuple(
          valid,
          fc.stringMatching(/^[a-z][A-Za-z]{0,11}$/).filter((key) => !known.has(key)),
        )
        .map(([value, key]) => ({
          value: { ...value, [key]: 'unexpected' },
          broken: `additionalProperties false (${key})`,
          at: '',
        })),
    );
  }
  for (const [key, property] of Object.entries(s.properties ?? {})) {
    const brokenProperty = brokenValue(property, options);
    if (brokenProperty === undefined) continue;
    ways.push(
      fc.tuple(valid, brokenProperty).map(([value, broken]) => ({
        value: { ...value, [key]: broken.value },
        broken: broken.broken,
        at: `.${key}${broken.at}`,
      })),
    );
  }
}
