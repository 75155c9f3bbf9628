// Turning what the registries ship into schemas kubeconform can use offline.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A schema file of PyPI's kubernetes-validate made usable from a folder: as shipped, each file
 * has an `$id` under `https://kubernetes.io/api/` and `$ref`s to `/api/_definitions.json#...`,
 * which kubeconform resolves against that URL and then skips the resource ("could not find
 * schema"). Without the `$id` and with refs relative to the file, they resolve beside it.
 */
export function patchKubernetesSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(patchKubernetesSchema);
  if (!isObject(schema)) return schema;
  const patched: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id') continue;
    if (key === '$ref' && typeof value === 'string') {
      patched[key] = value.replace(/^\/api\//, '');
      continue;
    }
    patched[key] = patchKubernetesSchema(value);
  }
  return patched;
}

const COMBINATORS = new Set(['oneOf', 'anyOf', 'allOf', 'not']);

/**
 * An OpenAPI v3 schema made strict for kubeconform: every object that lists its properties and
 * neither preserves unknown fields nor says what its other keys may be gets
 * `additionalProperties: false`, as the API server prunes (or, with strict field validation,
 * rejects) unknown fields there. Maps (`additionalProperties: {...}`) and free-form objects keep
 * accepting any key.
 */
export function strictSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (!isObject(schema)) return schema;
  const strict: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (COMBINATORS.has(key)) {
      // Branches of oneOf & co. name properties only to say which are required together
      // (Strimzi: `certificate` or `pattern`); closing them would reject every other property
      // of the object they constrain.
      strict[key] = value;
    } else if (key === 'properties' && isObject(value)) {
      strict[key] = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, strictSchema(property)]),
      );
    } else {
      strict[key] = strictSchema(value);
    }
  }
  if (
    isObject(schema['properties']) &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true &&
    schema['additionalProperties'] === undefined
  ) {
    strict['additionalProperties'] = false;
  }
  return strict;
}

/** A kubeconform schema for one served version of a custom resource. */
export interface CrdSchema {
  readonly group: string;
  /** The kind in lower case, as kubeconform's `{{.ResourceKind}}` has it. */
  readonly kind: string;
  readonly version: string;
  readonly schema: Json;
}

/**
 * The kubeconform schemas of a CustomResourceDefinition: one per served version, strict
 * ({@link strictSchema}), with `apiVersion` and `kind` pinned so that a schema found by a
 * mistyped path cannot validate the wrong resource.
 */
export function crdSchemas(crd: Json): CrdSchema[] {
  if (!isObject(crd) || crd['kind'] !== 'CustomResourceDefinition' || !isObject(crd['spec'])) {
    throw new TypeError('not a CustomResourceDefinition');
  }
  const spec = crd['spec'];
  const group = spec['group'];
  const names = spec['names'];
  const versions = spec['versions'];
  if (typeof group !== 'string' || !isObject(names) || typeof names['kind'] !== 'string') {
    throw new TypeError('a CustomResourceDefinition without group or kind');
  }
  const kind = names['kind'];
  if (!Array.isArray(versions)) throw new TypeError(`CRD ${kind}: no versions`);
  return versions.flatMap((version) => {
    if (!isObject(version) || version['served'] !== true || typeof version['name'] !== 'string') {
      return [];
    }
    const validation = version['schema'];
    const openApi = isObject(validation) ? validation['openAPIV3Schema'] : undefined;
    if (!isObject(openApi)) throw new TypeError(`CRD ${kind} ${version['name']}: no schema`);
    const properties = isObject(openApi['properties']) ? openApi['properties'] : {};
    const schema = strictSchema({
      ...openApi,
      properties: {
        ...properties,
        apiVersion: { type: 'string', enum: [`${group}/${version['name']}`] },
        kind: { type: 'string', enum: [kind] },
      },
      required: [
        ...new Set([
          'apiVersion',
          'kind',
          ...(Array.isArray(openApi['required']) ? openApi['required'] : []),
        ]),
      ],
    });
    return [{ group, kind: kind.toLowerCase(), version: version['name'], schema }];
  });
}
