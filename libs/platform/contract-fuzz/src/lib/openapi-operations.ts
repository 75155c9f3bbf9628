import type { Schema } from './schema-arbitrary';

/** The parts of an OpenAPI 3.0 document the fuzzer reads. */
export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, Schema>> };
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: Schema;
}

export interface MediaType {
  readonly schema?: Schema;
}

export interface Response {
  readonly content?: Readonly<Record<string, MediaType>>;
}

/** One method on one path, as the document declares it. */
export interface Operation {
  /** `GET /persons/{nationalId}`: how the fuzzer's tables name it. */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  /** The JSON request body's schema, if the operation takes one. */
  readonly body: { readonly schema: Schema; readonly required: boolean } | undefined;
  readonly responses: Readonly<Record<string, Response>>;
  readonly secured: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document, in document order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) => {
    const shared = (item['parameters'] ?? []) as Parameter[];
    return Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, raw]): Operation => {
        const operation = raw as {
          parameters?: Parameter[];
          requestBody?: { required?: boolean; content?: Record<string, MediaType> };
          responses?: Record<string, Response>;
          security?: unknown[];
        };
        const parameters = [...shared, ...(operation.parameters ?? [])];
        const json = operation.requestBody?.content?.['application/json'];
        return {
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          parameters,
          body:
            json === undefined
              ? undefined
              : { schema: json.schema ?? {}, required: operation.requestBody?.required !== false },
          responses: operation.responses ?? {},
          secured: (operation.security ?? []).length > 0,
        };
      });
  });
}

/** Resolves `#/components/schemas/X` in the document. */
export function refResolver(document: OpenApiDocument): (ref: string) => Schema {
  return (ref) => {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const found = name === undefined ? undefined : document.components?.schemas?.[name];
    if (found === undefined) throw new Error(`cannot resolve ${ref}`);
    return found;
  };
}
