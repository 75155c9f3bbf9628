import {
  TABLE_END,
  TABLE_START,
  UndocumentedValueError,
  valueRows,
  valuesTable,
  withTable,
} from './values-table';
import type { JsonSchema } from './values-table';

const service: JsonSchema = {
  type: 'object',
  description: 'One service.',
  properties: {
    port: { type: 'integer', description: 'Its port.' },
    command: { type: 'array', items: { type: 'string' }, description: 'Its command.' },
  },
};

const schema: JsonSchema = {
  type: 'object',
  properties: {
    site: {
      type: 'object',
      description: 'The site.',
      properties: { role: { type: 'string', enum: ['primary', 'embassy'], description: 'Role.' } },
    },
    resources: { $ref: '#/$defs/resourceList', description: 'Resources.' },
    services: {
      type: 'object',
      description: 'The services.',
      properties: { audit: { $ref: '#/$defs/service' }, registry: { $ref: '#/$defs/service' } },
    },
  },
  $defs: {
    service,
    resourceList: {
      type: 'object',
      description: 'CPU and memory.',
      properties: { cpu: { type: 'string', description: 'CPU.' } },
    },
  },
};

const values = {
  site: { role: 'primary' },
  resources: { cpu: '100m' },
  services: {
    audit: { port: 3005, command: ['node', 'services/audit/main.js'] },
    registry: { port: 3001, command: ['node', 'services/registry/main.js'] },
  },
};

describe('valueRows', () => {
  it('walks objects into rows with their type, default and description', () => {
    expect(valueRows(schema, values)[0]).toEqual({
      key: 'site.role',
      type: '"primary" | "embassy"',
      defaultValue: '"primary"',
      description: 'Role.',
    });
  });

  it('keeps a shared definition as one row, with the description of where it is used', () => {
    expect(valueRows(schema, values)[1]).toEqual({
      key: 'resources',
      type: 'object',
      defaultValue: '{"cpu":"100m"}',
      description: 'Resources.',
    });
  });

  it("collapses the services' keys, writing each service's name as <name> where they agree", () => {
    const rows = valueRows(schema, values).filter((row) => row.key.startsWith('services.'));
    expect(rows.map((row) => [row.key, row.defaultValue])).toEqual([
      ['services.<name>.port', 'audit: 3005; registry: 3001'],
      ['services.<name>.command', '["node","services/<name>/main.js"]'],
    ]);
  });

  it('names every key the schema leaves undescribed', () => {
    const undocumented: JsonSchema = {
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'object', properties: { c: { type: 'string' } } },
      },
    };
    expect(() => valueRows(undocumented, {})).toThrow(UndocumentedValueError);
    expect(() => valueRows(undocumented, {})).toThrow('no description for a, b, b.c');
  });
});

describe('valuesTable', () => {
  it('escapes the pipes that would split a cell', () => {
    const table = valuesTable([
      {
        key: 'site.role',
        type: '"primary" | "embassy"',
        defaultValue: '"a|b"',
        description: 'x | y',
      },
    ]);
    expect(table.split('\n')[2]).toBe(
      '| `site.role` | "primary" \\| "embassy" | `"a\\|b"` | x \\| y |',
    );
  });
});

describe('withTable', () => {
  it('replaces what is between the markers, fenced off from Prettier', () => {
    const readme = `# Chart\n\n${TABLE_START}\nold\n${TABLE_END}\n\nAfter.\n`;
    expect(withTable(readme, 'new')).toBe(
      `# Chart\n\n${TABLE_START}\n<!-- prettier-ignore-start -->\nnew\n<!-- prettier-ignore-end -->\n${TABLE_END}\n\nAfter.\n`,
    );
  });

  it('refuses a README without the markers', () => {
    expect(() => withTable('# Chart\n', 'new')).toThrow(TABLE_START);
  });
});
