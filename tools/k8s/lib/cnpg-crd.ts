// A CustomResourceDefinition for CloudNativePG's kinds, derived from the TypeScript interfaces of
// `@kubernetes-models/cloudnative-pg` (generated from CloudNativePG's Go API types), since
// CloudNativePG's own CRD cannot be had offline (FACTS). It gives the API server and kubeconform
// the fields and their types, so that both reject an unknown field or a wrong type as they do
// for Strimzi's kinds. It is not CloudNativePG's CRD: no defaults, no CEL rules, no formats,
// integers typed as numbers (TypeScript has no integer); the models' own validation
// (checks.ts) covers those.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import ts from 'typescript';

type Schema = Record<string, unknown>;

/** Kinds to derive, with their plural (the CRD's resource name) and model module. */
export const CNPG_CRD_KINDS = [
  { kind: 'Cluster', plural: 'clusters', type: 'ICluster' },
  { kind: 'Database', plural: 'databases', type: 'IDatabase' },
] as const;

const GROUP = 'postgresql.cnpg.io';
const VERSION = 'v1';
/** Deeper than any field the manifests set; below it, anything goes. */
const MAX_DEPTH = 14;

const FREE_FORM: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/**
 * The structural OpenAPI schema of a TypeScript type, as a CRD wants it: every node typed,
 * objects closed by their properties, `string | number` as int-or-string, anything the
 * translation cannot express (other unions, recursion, `any`) left free-form.
 */
function schemaOf(checker: ts.TypeChecker, type: ts.Type, stack: readonly ts.Type[]): Schema {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (type.isUnion()) {
    const members = type.types.filter(
      (member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)),
    );
    // An optional field is `T | undefined`.
    if (members.length === 1 && members[0]) return schemaOf(checker, members[0], stack);
    if (members.every((member) => member.isStringLiteral())) {
      return {
        type: 'string',
        enum: members.map((member) => member.value),
      };
    }
    if (members.every((member) => member.flags & ts.TypeFlags.BooleanLike)) {
      return { type: 'boolean' };
    }
    const primitives = members.every(
      (member) => member.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike),
    );
    if (primitives) return { 'x-kubernetes-int-or-string': true };
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (type.flags & ts.TypeFlags.StringLike) {
    return type.isStringLiteral() ? { type: 'string', enum: [type.value] } : { type: 'string' };
  }
  if (type.flags & ts.TypeFlags.NumberLike) return { type: 'number' };
  if (type.flags & ts.TypeFlags.BooleanLike) return { type: 'boolean' };
  if (stack.includes(type) || stack.length > MAX_DEPTH) return FREE_FORM;
  if (checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type as ts.TypeReference);
    return {
      type: 'array',
      items: element ? schemaOf(checker, element, [...stack, type]) : FREE_FORM,
    };
  }
  if (type.flags & ts.TypeFlags.Object) {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!declaration) continue;
      properties[property.name] = schemaOf(
        checker,
        checker.getTypeOfSymbolAtLocation(property, declaration),
        [...stack, type],
      );
      if (!(property.flags & ts.SymbolFlags.Optional)) required.push(property.name);
    }
    const [index] = checker.getIndexInfosOfType(type);
    if (index && Object.keys(properties).length === 0) {
      return {
        type: 'object',
        additionalProperties: schemaOf(checker, index.type, [...stack, type]),
      };
    }
    if (Object.keys(properties).length === 0) return FREE_FORM;
    return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  }
  return { 'x-kubernetes-preserve-unknown-fields': true };
}

/**
 * The structural schema of each named type alias of a TypeScript file (which must compile),
 * by {@link schemaOf}.
 */
export function structuralSchemas(
  source: string,
  aliases: readonly string[],
): Record<string, Schema> {
  const program = ts.createProgram([source], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  const [diagnostic] = ts.getPreEmitDiagnostics(program);
  if (diagnostic) {
    throw new Error(
      `schema derivation: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    );
  }
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(source);
  if (!file) throw new Error(`schema derivation: cannot read ${source}`);
  return Object.fromEntries(
    aliases.map((name) => {
      const alias = file.statements
        .filter(ts.isTypeAliasDeclaration)
        .find((statement) => statement.name.text === name);
      if (!alias) throw new Error(`schema derivation: no type ${name} in ${source}`);
      return [name, schemaOf(checker, checker.getTypeAtLocation(alias), [])];
    }),
  );
}

/**
 * Writes one CRD per kind in {@link CNPG_CRD_KINDS} to `outDir` (`<plural>.json`), derived from
 * the models installed under `npmPrefix`; returns the files.
 */
export function writeCnpgCrds(npmPrefix: string, outDir: string): string[] {
  const dir = join(npmPrefix, 'crd-derivation');
  mkdirSync(dir, { recursive: true });
  const source = join(dir, 'kinds.ts');
  writeFileSync(
    source,
    CNPG_CRD_KINDS.map(
      ({ kind, type }) =>
        `import type { ${type} } from '@kubernetes-models/cloudnative-pg/${GROUP}/${VERSION}/${kind}';\n` +
        `export type ${kind}Root = ${type};\n`,
    ).join(''),
  );
  try {
    const schemas = structuralSchemas(
      source,
      CNPG_CRD_KINDS.map(({ kind }) => `${kind}Root`),
    );
    mkdirSync(outDir, { recursive: true });
    return CNPG_CRD_KINDS.map(({ kind, plural }) => {
      const root = schemas[`${kind}Root`] ?? FREE_FORM;
      const properties = (root['properties'] ?? {}) as Record<string, Schema>;
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: {
          name: `${plural}.${GROUP}`,
          annotations: {
            'backbone.gov/derived-from': '@kubernetes-models/cloudnative-pg TypeScript models',
          },
        },
        spec: {
          group: GROUP,
          names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
          scope: 'Namespaced',
          versions: [
            {
              name: VERSION,
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    apiVersion: { type: 'string' },
                    kind: { type: 'string' },
                    metadata: { type: 'object' },
                    spec: properties['spec'] ?? FREE_FORM,
                    status: FREE_FORM,
                  },
                  required: ['spec'],
                },
              },
            },
          ],
        },
      };
      const out = join(outDir, `${plural}.json`);
      writeFileSync(out, `${JSON.stringify(crd, null, 1)}\n`);
      return out;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
