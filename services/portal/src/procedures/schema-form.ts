// A procedure's form, generated from the JSON Schema the catalogue publishes: which inputs to
// show, how a posted HTML form becomes the JSON the service validates, and where the service's
// field errors (`form.address.postcode`) belong on the page. Pure functions: the service keeps
// the rules (it validates every submission against the same schema), the page only mirrors them.

/** One input (or group of inputs) of a generated form. */
export type FormField =
  | {
      readonly kind: 'text' | 'date' | 'number' | 'integer' | 'multiline';
      readonly name: string;
      readonly key: string;
      readonly required: boolean;
    }
  | {
      readonly kind: 'boolean';
      readonly name: string;
      readonly key: string;
      readonly required: boolean;
    }
  | {
      readonly kind: 'enum';
      readonly name: string;
      readonly key: string;
      readonly required: boolean;
      readonly options: readonly string[];
    }
  /** A list of plain values: one per line of a text area. */
  | {
      readonly kind: 'list';
      readonly name: string;
      readonly key: string;
      readonly required: boolean;
      readonly item: 'string' | 'number' | 'integer';
    }
  /** An object: a fieldset of its own fields. */
  | {
      readonly kind: 'group';
      readonly name: string;
      readonly key: string;
      readonly required: boolean;
      readonly fields: readonly FormField[];
    }
  /**
   * A value the page cannot edit (a list of objects, say): shown as it was prefilled and sent
   * back untouched (the service keeps the prefilled value when the form leaves it out).
   */
  | {
      readonly kind: 'readonly';
      readonly name: string;
      readonly key: string;
      readonly required: boolean;
    };

type Schema = Readonly<Record<string, unknown>>;

const DATE_PATTERNS = new Set(['^[0-9]{4}-[0-9]{2}-[0-9]{2}$', '^\\d{4}-\\d{2}-\\d{2}$']);
/** Strings longer than this are written in a text area. */
const MULTILINE_FROM = 300;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `schema` with a local `$ref` (`#/$defs/x`, `#/definitions/x`) replaced by its target. */
function resolve(root: Schema, schema: Schema, depth = 0): Schema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || depth > 10) return schema;
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  const defs = match?.[1] === undefined ? undefined : root[match[1]];
  const target = isSchema(defs) && match?.[2] !== undefined ? defs[match[2]] : undefined;
  return isSchema(target) ? resolve(root, target, depth + 1) : schema;
}

function typeOf(schema: Schema): string | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return type;
  // `["string", "null"]`: the first real type.
  if (Array.isArray(type))
    return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return undefined;
}

function fieldOf(
  root: Schema,
  key: string,
  prefix: string,
  raw: Schema,
  required: boolean,
): FormField {
  const schema = resolve(root, raw);
  const name = prefix === '' ? key : `${prefix}.${key}`;
  const options = schema['enum'];
  if (Array.isArray(options) && options.every((o): o is string => typeof o === 'string')) {
    return { kind: 'enum', name, key, required, options };
  }
  switch (typeOf(schema)) {
    case 'boolean':
      return { kind: 'boolean', name, key, required };
    case 'number':
      return { kind: 'number', name, key, required };
    case 'integer':
      return { kind: 'integer', name, key, required };
    case 'object':
      return { kind: 'group', name, key, required, fields: fieldsAt(root, schema, name) };
    case 'array': {
      const items = isSchema(schema['items']) ? resolve(root, schema['items']) : {};
      const item = typeOf(items);
      return item === 'string' || item === 'number' || item === 'integer'
        ? { kind: 'list', name, key, required, item }
        : { kind: 'readonly', name, key, required };
    }
    case 'string': {
      const pattern = schema['pattern'];
      if (
        schema['format'] === 'date' ||
        (typeof pattern === 'string' && DATE_PATTERNS.has(pattern))
      ) {
        return { kind: 'date', name, key, required };
      }
      const max = schema['maxLength'];
      const long = typeof max === 'number' && max > MULTILINE_FROM;
      return { kind: long ? 'multiline' : 'text', name, key, required };
    }
    default:
      return { kind: 'readonly', name, key, required };
  }
}

function fieldsAt(root: Schema, schema: Schema, prefix: string): FormField[] {
  const properties = isSchema(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]) : [];
  return Object.entries(properties).map(([key, property]) =>
    fieldOf(root, key, prefix, isSchema(property) ? property : {}, required.includes(key)),
  );
}

/** The fields of a procedure's form schema, in the schema's order. */
export function formFieldsOf(schema: Schema): FormField[] {
  return fieldsAt(schema, resolve(schema, schema), '');
}

/** What a form shows in its inputs: text per input name, a checkbox as `'true'` or `''`. */
export type FormValues = ReadonlyMap<string, string>;

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The inputs' values for a JSON value of the form (the prefilled fields, a submitted form). */
export function valuesOf(fields: readonly FormField[], json: unknown): Map<string, string> {
  const values = new Map<string, string>();
  const object = isSchema(json) ? json : {};
  for (const field of fields) {
    const value = object[field.key];
    if (value === undefined) continue;
    switch (field.kind) {
      case 'group':
        for (const [name, text] of valuesOf(field.fields, value)) values.set(name, text);
        break;
      case 'list':
        values.set(field.name, Array.isArray(value) ? value.map(textOf).join('\n') : textOf(value));
        break;
      case 'boolean':
        values.set(field.name, value === true ? 'true' : '');
        break;
      default:
        values.set(field.name, textOf(value));
    }
  }
  return values;
}

/** A posted form's string fields (the first of a repeated name), as the body parser gives them. */
export function postedValues(fields: readonly FormField[], body: unknown): Map<string, string> {
  const values = new Map<string, string>();
  const record = isSchema(body) ? body : {};
  const visit = (list: readonly FormField[]): void => {
    for (const field of list) {
      if (field.kind === 'group') {
        visit(field.fields);
        continue;
      }
      const raw = record[field.name];
      const first = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
      if (typeof first === 'string') values.set(field.name, first);
    }
  };
  visit(fields);
  return values;
}

function numberOf(text: string): number | string {
  // A value that is no number goes to the service as typed: its schema names the field.
  const value = Number(text.replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(value) ? value : text;
}

/**
 * The JSON the service gets for what the person typed: every field they filled, as the
 * schema's type. A field left empty is left out (the service then keeps a prefilled value, or
 * names a required one as missing), except an emptied prefilled field, sent as `''` so that the
 * service's schema judges it rather than the old value slipping through. A checkbox is always
 * sent; a read-only field never (its prefilled value stands).
 */
export function formJsonOf(
  fields: readonly FormField[],
  values: FormValues,
  prefilled: ReadonlySet<string>,
): Record<string, unknown> {
  const form: Record<string, unknown> = {};
  for (const field of fields) {
    const text = values.get(field.name) ?? '';
    switch (field.kind) {
      case 'readonly':
        break;
      case 'boolean':
        form[field.key] = text === 'true';
        break;
      case 'group': {
        const inner = formJsonOf(field.fields, values, new Set());
        if (Object.keys(inner).length > 0 || prefilled.has(field.name)) form[field.key] = inner;
        break;
      }
      case 'list': {
        const items = text
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line !== '');
        if (items.length > 0 || prefilled.has(field.name)) {
          form[field.key] = field.item === 'string' ? items : items.map(numberOf);
        }
        break;
      }
      case 'number':
      case 'integer':
        if (text.trim() !== '') form[field.key] = numberOf(text.trim());
        else if (prefilled.has(field.name)) form[field.key] = '';
        break;
      default:
        if (text.trim() !== '') form[field.key] = text.trim();
        else if (prefilled.has(field.name)) form[field.key] = '';
    }
  }
  return form;
}

/** Every input name of the form, groups included (they name their fieldset). */
export function fieldNames(fields: readonly FormField[]): string[] {
  return fields.flatMap((field) =>
    field.kind === 'group' ? [field.name, ...fieldNames(field.fields)] : [field.name],
  );
}

/**
 * The form's field a service error belongs to: the service names it `form.address.postcode`
 * (a dotted path) or `/form/address/postcode` (a JSON pointer); an item of a list
 * (`form.members.2`) belongs to the list. `undefined` for an error on no field of the form.
 */
export function formFieldOfError(path: string, names: ReadonlySet<string>): string | undefined {
  const parts = path.startsWith('/')
    ? path
        .slice(1)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    : path.split('.');
  if (parts[0] === 'form') parts.shift();
  while (parts.length > 0) {
    const name = parts.join('.');
    if (names.has(name)) return name;
    parts.pop();
  }
  return undefined;
}
