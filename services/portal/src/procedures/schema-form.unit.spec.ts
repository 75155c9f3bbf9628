import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { formInputs } from './form-view';
import {
  fieldNames,
  formFieldOfError,
  formFieldsOf,
  formJsonOf,
  postedValues,
  valuesOf,
} from './schema-form';

const ADDRESS = {
  type: 'object',
  required: ['street', 'country'],
  properties: {
    street: { type: 'string', minLength: 1 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
  },
};

const SCHEMA = {
  type: 'object',
  required: ['name', 'birthDate', 'address'],
  properties: {
    name: { type: 'string', maxLength: 200 },
    birthDate: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
    started: { type: 'string', format: 'date' },
    notes: { type: 'string', maxLength: 2000 },
    children: { type: 'integer' },
    income: { type: 'number' },
    singleParent: { type: 'boolean' },
    tenure: { enum: ['owner', 'tenant'] },
    region: { type: 'string', enum: ['north', 'centre', 'south', 'east', 'west'] },
    address: { $ref: '#/$defs/address' },
    members: { type: 'array', items: { type: 'string' } },
    managers: { type: 'array', items: { type: 'object', properties: {} } },
  },
  $defs: { address: ADDRESS },
};

describe('a form generated from a JSON Schema', () => {
  const fields = formFieldsOf(SCHEMA);

  it('has an input of the right kind per property, required ones marked, refs resolved', () => {
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['name', 'text', true],
      ['birthDate', 'date', true],
      ['started', 'date', false],
      ['notes', 'multiline', false],
      ['children', 'integer', false],
      ['income', 'number', false],
      ['singleParent', 'boolean', false],
      ['tenure', 'enum', false],
      ['region', 'enum', false],
      ['address', 'group', true],
      ['members', 'list', false],
      ['managers', 'readonly', false],
    ]);
    const address = fields.find((f) => f.name === 'address');
    expect(address?.kind === 'group' && address.fields.map((f) => [f.name, f.required])).toEqual([
      ['address.street', true],
      ['address.country', true],
    ]);
    expect(fieldNames(fields)).toContain('address.country');
  });

  it('shows a JSON value in its inputs and turns posted inputs back into typed JSON', () => {
    const values = valuesOf(fields, {
      name: 'Anna',
      address: { street: 'Grand-Rue', country: 'LU' },
      members: ['1', '2'],
      singleParent: true,
      children: 2,
    });
    expect(Object.fromEntries(values)).toEqual({
      name: 'Anna',
      'address.street': 'Grand-Rue',
      'address.country': 'LU',
      members: '1\n2',
      singleParent: 'true',
      children: '2',
    });
    const posted = postedValues(fields, {
      ...Object.fromEntries(values),
      _csrf: 'x',
      income: '1234,5',
      tenure: ['tenant', 'owner'],
      unknown: 'ignored',
    });
    expect(formJsonOf(fields, posted, new Set())).toEqual({
      name: 'Anna',
      children: 2,
      income: 1234.5,
      singleParent: true,
      tenure: 'tenant',
      address: { street: 'Grand-Rue', country: 'LU' },
      members: ['1', '2'],
    });
  });

  it('leaves out what is empty, sends an emptied prefilled field as empty, a checkbox always', () => {
    const posted = postedValues(fields, { name: '  ', children: 'two', 'address.street': '' });
    expect(formJsonOf(fields, posted, new Set(['name', 'address']))).toEqual({
      name: '',
      // Not a number: sent as typed, so that the service's schema names the field.
      children: 'two',
      singleParent: false,
      address: {},
    });
  });

  it('finds the input of a service error, as a dotted path or a JSON pointer', () => {
    const names = new Set(fieldNames(fields));
    expect(formFieldOfError('form.address.country', names)).toBe('address.country');
    expect(formFieldOfError('/form/address/street', names)).toBe('address.street');
    expect(formFieldOfError('form.members.3', names)).toBe('members');
    expect(formFieldOfError('form.address', names)).toBe('address');
    expect(formFieldOfError('form', names)).toBeUndefined();
    expect(formFieldOfError('form.nothing', names)).toBeUndefined();
  });

  it('renders the family-allowance form with a label for each input and escapes the values', () => {
    const dir = join(__dirname, '../../../../libs/procedures/application/catalogue');
    const schema = JSON.parse(readFileSync(join(dir, 'family-allowance.v1.json'), 'utf8')) as {
      form: Record<string, unknown>;
    };
    const familyFields = formFieldsOf(schema.form);
    const markup = formInputs(familyFields, {
      language: 'fr',
      values: new Map([['childGivenNames', '<b id="x">Léa</b>']]),
      errors: new Map([['bankAccount', 'must match <pattern>']]),
      prefilledFrom: new Map([['address', 'persons']]),
      prefilledValues: new Map(),
    }).markup;
    expect(markup).toContain('value="&lt;b id=&quot;x&quot;&gt;Léa&lt;/b&gt;"');
    expect(markup).toContain('must match &lt;pattern&gt;');
    expect(markup).toContain('Pré-rempli depuis le registre des personnes physiques.');
    expect(markup).toContain('Prénoms de l’enfant');
    const inputs = [...markup.matchAll(/<(?:input|textarea|select)[^>]*\bid="([^"]+)"/g)].map(
      (m) => m[1],
    );
    const labels = new Set([...markup.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
    expect(inputs.length).toBeGreaterThan(10);
    expect(inputs.filter((id) => !labels.has(id))).toEqual([]);
  });
});
