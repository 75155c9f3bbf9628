import { crdSchemas, patchKubernetesSchema, strictSchema } from './schemas';
import type { Json } from './schemas';

describe('patchKubernetesSchema', () => {
  it('drops $id and makes the refs to the definitions relative, at any depth', () => {
    const patched = patchKubernetesSchema({
      $id: 'https://kubernetes.io/api/deployment-apps-v1.json',
      properties: {
        metadata: { $ref: '/api/_definitions.json#/$defs/ObjectMeta' },
        spec: { items: [{ $ref: '/api/_definitions.json#/$defs/Spec' }] },
        local: { $ref: '#/$defs/Local' },
      },
    });
    expect(patched).toEqual({
      properties: {
        metadata: { $ref: '_definitions.json#/$defs/ObjectMeta' },
        spec: { items: [{ $ref: '_definitions.json#/$defs/Spec' }] },
        local: { $ref: '#/$defs/Local' },
      },
    });
  });
});

describe('strictSchema', () => {
  it('closes objects that list their properties, nested ones and array items too', () => {
    const strict = strictSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            items: { type: 'array', items: { type: 'object', properties: { a: {} } } },
          },
        },
      },
    });
    expect(strict).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        spec: {
          type: 'object',
          additionalProperties: false,
          properties: {
            items: {
              type: 'array',
              items: { type: 'object', additionalProperties: false, properties: { a: {} } },
            },
          },
        },
      },
    });
  });

  it('leaves maps, free-form objects and oneOf branches open', () => {
    const labels: Json = { type: 'object', additionalProperties: { type: 'string' } };
    const config: Json = {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { a: {} },
    };
    const oneOf: Json = [
      { properties: { certificate: {} }, required: ['certificate'] },
      { properties: { pattern: {} }, required: ['pattern'] },
    ];
    const cert: Json = {
      type: 'object',
      properties: { secretName: {}, certificate: {}, pattern: {} },
      oneOf,
    };
    const strict = strictSchema({ type: 'object', properties: { labels, config, cert } });
    expect(strict).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: { labels, config, cert: { ...cert, additionalProperties: false } },
    });
  });
});

describe('crdSchemas', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    spec: {
      group: 'kafka.strimzi.io',
      names: { kind: 'KafkaTopic' },
      versions: [
        {
          name: 'v1',
          served: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { partitions: { type: 'integer' } } },
              },
            },
          },
        },
        { name: 'v1beta2', served: false, schema: { openAPIV3Schema: { type: 'object' } } },
      ],
    },
  };

  it('gives one strict schema per served version, with apiVersion and kind pinned', () => {
    const schemas = crdSchemas(crd as Json);
    expect(schemas.map(({ group, kind, version }) => `${group}/${kind}_${version}`)).toEqual([
      'kafka.strimzi.io/kafkatopic_v1',
    ]);
    expect(schemas[0]?.schema).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind'],
      properties: {
        spec: {
          type: 'object',
          additionalProperties: false,
          properties: { partitions: { type: 'integer' } },
        },
        apiVersion: { type: 'string', enum: ['kafka.strimzi.io/v1'] },
        kind: { type: 'string', enum: ['KafkaTopic'] },
      },
    });
  });

  it('refuses what is not a CRD', () => {
    expect(() => crdSchemas({ kind: 'Deployment', spec: {} })).toThrow(
      /not a CustomResourceDefinition/,
    );
  });
});
