import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { structuralSchemas } from './cnpg-crd';

describe('structuralSchemas', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnpg-crd-spec-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function derive(source: string): Record<string, unknown> {
    const file = join(dir, `case-${String(Math.random()).slice(2)}.ts`);
    writeFileSync(file, `${source}\nexport type Root = Spec;\n`);
    return structuralSchemas(file, ['Root'])['Root'] ?? {};
  }

  it('types each field, requires the mandatory ones and lists literal unions as enums', () => {
    const schema = derive(`
      interface Storage { size?: string; resizeInUseVolumes?: boolean }
      interface Spec {
        instances: number;
        logLevel?: 'error' | 'info';
        storage?: Storage;
        roles?: Array<{ name: string }>;
      }`);
    expect(schema).toEqual({
      type: 'object',
      required: ['instances'],
      properties: {
        instances: { type: 'number' },
        logLevel: { type: 'string', enum: ['error', 'info'] },
        storage: {
          type: 'object',
          properties: { size: { type: 'string' }, resizeInUseVolumes: { type: 'boolean' } },
        },
        roles: {
          type: 'array',
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        },
      },
    });
  });

  it('makes string | number int-or-string, an index signature a map, recursion free-form', () => {
    const schema = derive(`
      interface Node { children?: Node[] }
      interface Spec {
        limits?: { [resource: string]: string | number };
        port?: string | number;
        tree?: Node;
      }`);
    expect(schema).toEqual({
      type: 'object',
      properties: {
        limits: { type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true } },
        port: { 'x-kubernetes-int-or-string': true },
        tree: {
          type: 'object',
          properties: {
            children: {
              type: 'array',
              items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    });
  });

  it('refuses a file that does not compile', () => {
    expect(() => derive('interface Spec { a: Missing }')).toThrow(
      /schema derivation: Cannot find name 'Missing'/,
    );
  });
});
