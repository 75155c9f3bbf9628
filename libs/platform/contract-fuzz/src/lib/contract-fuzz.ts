import { randomUUID } from 'node:crypto';

import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';

import { addFormats } from './formats';
import { operationsOf, refResolver } from './openapi-operations';
import type { OpenApiDocument, Operation, Parameter } from './openapi-operations';
import { brokenValue, validValue } from './schema-arbitrary';
import type { ArbitraryOptions, Broken, Schema } from './schema-arbitrary';

/** What the fuzzer may expect of one operation beyond its document. */
export interface OperationRule {
  /** The role whose token the requests carry; none for a public route. */
  readonly role?: string;
  /**
   * The statuses by which the service refuses a schema-valid request for a business reason
   * (an unknown record: 404; a state that does not allow it: 409, 412, 422). Any other
   * non-2xx answer to a valid request is a finding.
   */
  readonly refusals?: readonly number[];
  /** A malformed path id gets 404 here (the service treats it as an unknown record), not 400. */
  readonly malformedPathIs404?: boolean;
  /**
   * Body members, by name, whose valid value is only the document's example: values of a
   * catalogue the service is configured with (organisations), which the schema cannot list.
   */
  readonly exampleMembers?: readonly string[];
  /**
   * Why arrays hold at most one item here: their items must differ by a rule the schema states
   * in words only (distinct persons, whose one valid id the fuzzer knows is the example).
   */
  readonly singleItemArrays?: string;
  /**
   * Why only invalid requests are sent: a valid one would change the site for every later
   * request (a fence makes it read-only).
   */
  readonly invalidOnly?: string;
}

/** What {@link fuzzService} runs. */
export interface FuzzPlan {
  readonly service: string;
  readonly baseUrl: string;
  readonly document: OpenApiDocument;
  /** One rule per operation, keyed `METHOD /path` as the document spells the path. */
  readonly rules: Readonly<Record<string, OperationRule>>;
  /** A token per role named in the rules. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Wall-clock budget for the whole service; shared evenly by its operations. */
  readonly timeLimitMs: number;
  /** Upper bound of requests of each kind (valid, invalid) per operation. */
  readonly runsPerOperation: number;
  /** Told each operation as its turn comes (a long run shows where it is). */
  readonly progress?: (operation: string) => void;
}

/** One property that failed, with what replays it. */
export interface Finding {
  readonly operation: string;
  readonly kind: 'valid' | 'invalid';
  readonly report: string;
}

/** One request as sent. */
interface Sent {
  /** Whose token it carries (added as it is sent: the report names the role, not the token). */
  readonly role: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** For an invalid request: what it breaks and where. */
  readonly broken?: string;
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
  readonly text: string;
}

/**
 * Sends requests generated from each operation's declared schemas to a running service and
 * checks its answers against the same document: valid requests must be accepted (2xx) or
 * refused only for a business reason the rule names; requests that break one declared
 * constraint must get 400; no answer may be a 5xx, carry an undeclared status, or a body that
 * does not match the schema declared for its status and media type.
 *
 * @returns every failed property (empty when the service keeps its contract); each report
 *   carries fast-check's seed and path, which replay it.
 */
export async function fuzzService(plan: FuzzPlan): Promise<Finding[]> {
  const operations = operationsOf(plan.document);
  const unruled = operations.filter((operation) => plan.rules[operation.key] === undefined);
  if (unruled.length > 0) {
    throw new Error(
      `${plan.service}: no fuzz rule for ${unruled.map((operation) => operation.key).join(', ')}`,
    );
  }
  const contract = new Contract(plan.document);
  const perProperty = Math.max(200, Math.floor(plan.timeLimitMs / operations.length / 2));
  const findings: Finding[] = [];
  for (const operation of operations) {
    const rule = plan.rules[operation.key] ?? {};
    if (rule.role !== undefined && plan.tokens[rule.role] === undefined) {
      throw new Error(`${plan.service}: no token for role ${rule.role}`);
    }
    const generator = new RequestGenerator(plan.baseUrl, operation, contract, rule.role, {
      ...(rule.singleItemArrays === undefined ? {} : { arrayItemsCap: 1 }),
      ...(rule.exampleMembers === undefined
        ? {}
        : { exampleMembers: new Set(rule.exampleMembers) }),
    });
    plan.progress?.(operation.key);
    const parameters = {
      seed: plan.seed,
      numRuns: plan.runsPerOperation,
      interruptAfterTimeLimit: perProperty,
      // A shrink sends more requests: bounded by the same budget.
      skipAllAfterTimeLimit: perProperty * 2,
    };
    const valid =
      rule.invalidOnly !== undefined
        ? undefined
        : await fc.check(
            fc.asyncProperty(generator.valid(), async (request) => {
              const answer = await send(request, plan.tokens);
              contract.checkAnswer(operation, request, answer);
              if (answer.status === TOO_MANY_REQUESTS) return;
              const refusals = rule.refusals ?? [];
              if (answer.status >= 300 && !refusals.includes(answer.status)) {
                throw new Error(
                  `a valid request got ${answer.status} (business refusals here: ${refusals.join(', ') || 'none'}): ${answer.text.slice(0, 600)}`,
                );
              }
            }),
            parameters,
          );
    if (valid?.failed === true) {
      findings.push({ operation: operation.key, kind: 'valid', report: report(valid) });
    }
    const invalidRequests = generator.invalid();
    if (invalidRequests === undefined) continue;
    const invalid = await fc.check(
      fc.asyncProperty(invalidRequests, async ({ request, inPath }) => {
        const answer = await send(request, plan.tokens);
        contract.checkAnswer(operation, request, answer);
        if (answer.status === TOO_MANY_REQUESTS) return;
        const expected = inPath && rule.malformedPathIs404 === true ? [400, 404] : [400];
        if (!expected.includes(answer.status)) {
          throw new Error(
            `an invalid request (${request.broken ?? ''}) got ${answer.status}, not ${expected.join(' or ')}: ${answer.text.slice(0, 600)}`,
          );
        }
      }),
      parameters,
    );
    if (invalid.failed) {
      findings.push({ operation: operation.key, kind: 'invalid', report: report(invalid) });
    }
  }
  return findings;
}

/**
 * A rate limit's answer (once the services declare one): the fuzzer's burst of requests under
 * one principal may meet it, and it says nothing of the request. Declared or not is still
 * checked, as for every answer.
 */
const TOO_MANY_REQUESTS = 429;

function report<T>(details: fc.RunDetails<[T]>): string {
  const error = details.errorInstance;
  const why = error instanceof Error ? error.message : String(error);
  return `${why}\n${fc.defaultReportMessage(details) ?? 'failed'}`;
}

async function send(request: Sent, tokens: Readonly<Record<string, string>>): Promise<Answer> {
  const token = request.role === undefined ? undefined : tokens[request.role];
  const response = await fetch(request.url, {
    method: request.method,
    headers: {
      ...request.headers,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  let body: unknown = text;
  if (isJson(contentType) && text !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw new Error(`${response.status} answered ${contentType} that is not JSON: ${text}`);
    }
  }
  return { status: response.status, contentType, body, text };
}

/** The document's schemas, compiled once each. */
class Contract {
  /** Bodies: JSON types as they are. */
  private readonly bodies = newAjv(false);
  /** Parameters: strings on the wire, coerced as the document's types say. */
  private readonly parameters = newAjv(true);
  private readonly compiledBodies = new Map<Schema, ValidateFunction>();
  private readonly compiledParameters = new Map<Schema, ValidateFunction>();
  private readonly wrapped = new Map<Schema, Schema>();
  readonly options: ArbitraryOptions;

  constructor(document: OpenApiDocument) {
    this.options = {
      resolve: refResolver(document),
      // A national identification number's check digits: stated in words only.
      onlyExample: (schema) => /check digits/i.test(schema.description ?? ''),
    };
    const schemas = document.components?.schemas ?? {};
    for (const [name, schema] of Object.entries(schemas)) {
      this.bodies.addSchema(toJsonSchema(schema), `#/components/schemas/${name}`);
      this.parameters.addSchema(toJsonSchema(schema), `#/components/schemas/${name}`);
    }
  }

  validBody(schema: Schema, value: unknown): boolean {
    return this.validator(this.bodies, schema)(value);
  }

  validParameter(schema: Schema, value: string): boolean {
    // Coercion writes into the parent: give the value one.
    let wrapped = this.wrapped.get(schema);
    if (wrapped === undefined) {
      wrapped = { type: 'object', properties: { value: schema } };
      this.wrapped.set(schema, wrapped);
    }
    return this.validator(this.parameters, wrapped)({ value });
  }

  private validator(ajv: Ajv, schema: Schema): ValidateFunction {
    const cache = ajv === this.bodies ? this.compiledBodies : this.compiledParameters;
    let found = cache.get(schema);
    if (found === undefined) {
      found = ajv.compile(toJsonSchema(schema));
      cache.set(schema, found);
    }
    return found;
  }

  /** Throws unless the answer's status is declared and its body matches the declared schema. */
  checkAnswer(operation: Operation, request: Sent, answer: Answer): void {
    if (answer.status >= 500) {
      throw new Error(`answered ${answer.status}: ${answer.text.slice(0, 600)}`);
    }
    const declared = operation.responses[String(answer.status)] ?? operation.responses['default'];
    if (declared === undefined) {
      throw new Error(
        `answered ${answer.status}, which ${operation.key} does not declare (${Object.keys(operation.responses).join(', ')}): ${answer.text.slice(0, 600)}`,
      );
    }
    const content = declared.content;
    if (content === undefined || request.method === 'HEAD') return;
    const mediaType = answer.contentType.split(';', 1)[0]?.trim() ?? '';
    const declaredType =
      Object.keys(content).find((type) => type.split(';', 1)[0]?.trim() === mediaType) ?? undefined;
    if (declaredType === undefined) {
      throw new Error(
        `answered ${answer.status} as "${answer.contentType}", declared: ${Object.keys(content).join(', ')}`,
      );
    }
    const schema = content[declaredType]?.schema;
    if (schema === undefined || !isJson(mediaType)) return;
    const validate = this.validator(this.bodies, schema);
    if (!validate(answer.body)) {
      throw new Error(
        `the ${answer.status} body does not match its schema: ${JSON.stringify(validate.errors?.slice(0, 5))} in ${answer.text.slice(0, 600)}`,
      );
    }
  }
}

function newAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/**
 * OpenAPI 3.0's dialect as JSON Schema for ajv: `nullable` is ajv's own keyword (it needs a
 * `type`, added as `null` for a nullable enum), boolean exclusive bounds become numbers.
 */
function toJsonSchema(schema: Schema): object {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'example' || key === 'examples') continue;
      if (key === 'properties') {
        out[key] = Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).map(([name, sub]) => [
            name,
            convert(sub),
          ]),
        );
        continue;
      }
      out[key] = convert(inner);
    }
    const source = value as Schema;
    if (source.exclusiveMinimum === true && source.minimum !== undefined) {
      out['exclusiveMinimum'] = source.minimum;
      delete out['minimum'];
    }
    if (source.exclusiveMaximum === true && source.maximum !== undefined) {
      out['exclusiveMaximum'] = source.maximum;
      delete out['maximum'];
    }
    if (source.exclusiveMinimum === false) delete out['exclusiveMinimum'];
    if (source.exclusiveMaximum === false) delete out['exclusiveMaximum'];
    if (source.nullable === true && source.enum !== undefined && !source.enum.includes(null)) {
      out['enum'] = [...source.enum, null];
    }
    return out;
  };
  return convert(schema) as object;
}

interface InvalidRequest {
  readonly request: Sent;
  /** The broken part is a path parameter. */
  readonly inPath: boolean;
}

/** Builds one operation's requests. */
class RequestGenerator {
  private readonly parameters: readonly Parameter[];
  private readonly bodyOptions: ArbitraryOptions;

  constructor(
    private readonly baseUrl: string,
    private readonly operation: Operation,
    private readonly contract: Contract,
    private readonly role: string | undefined,
    private readonly overrides: ArbitraryOptions,
  ) {
    this.parameters = operation.parameters.filter((parameter) => parameter.in !== 'cookie');
    this.bodyOptions = { ...contract.options, ...overrides };
  }

  private options(parameter: Parameter): ArbitraryOptions {
    return { ...this.bodyOptions, headerSafe: parameter.in === 'header' };
  }

  /** Requests that the document says are valid. */
  valid(): fc.Arbitrary<Sent> {
    const values = Object.fromEntries(
      this.parameters.map((parameter) => [
        parameter.name,
        validValue(parameter.schema ?? { type: 'string' }, this.options(parameter))
          .map(wire)
          .filter((value) => this.acceptable(parameter, value)),
      ]),
    );
    const required = this.parameters
      .filter((parameter) => parameter.required === true || parameter.in === 'path')
      .map((parameter) => parameter.name);
    const body = this.operation.body;
    return fc
      .tuple(
        fc.record(values, { requiredKeys: required }),
        body === undefined ? fc.constant(undefined) : validValue(body.schema, this.bodyOptions),
      )
      .map(([given, bodyValue]) => this.request(given as Record<string, string>, bodyValue));
  }

  /**
   * Requests that break one declared constraint (of a parameter, or of the body), checked
   * against the document before they are sent; `inPath` when the broken part is a path id.
   */
  invalid(): fc.Arbitrary<InvalidRequest> | undefined {
    const valid = this.valid();
    const ways: fc.Arbitrary<InvalidRequest | undefined>[] = [];
    for (const parameter of this.parameters) {
      const schema = parameter.schema ?? { type: 'string' };
      if (parameter.required === true && parameter.in !== 'path') {
        ways.push(
          valid.map((request) => ({ request: this.without(request, parameter), inPath: false })),
        );
      }
      const broken = brokenValue(schema, this.options(parameter));
      if (broken === undefined) continue;
      // On the wire a parameter is text: a broken JSON type may read as a valid value there
      // ("1" for a string), and only what the document refuses counts.
      ways.push(
        fc.tuple(valid, broken).map(([request, b]) => {
          if (!isScalar(b.value)) return undefined;
          const value = wire(b.value);
          if (!this.acceptable(parameter, value) || this.contract.validParameter(schema, value)) {
            return undefined;
          }
          return {
            request: this.replaced(request, parameter, value, b),
            inPath: parameter.in === 'path',
          };
        }),
      );
    }
    const body = this.operation.body;
    if (body !== undefined) {
      const broken = brokenValue(body.schema, this.bodyOptions);
      if (broken !== undefined) {
        ways.push(
          fc.tuple(valid, broken).map(([request, b]) =>
            this.contract.validBody(body.schema, b.value)
              ? undefined
              : {
                  request: { ...request, body: b.value, broken: `${b.broken} at body${b.at}` },
                  inPath: false,
                },
          ),
        );
      }
    }
    // A way that never yields an invalid request (a free-text parameter) is left out, so that
    // the others are not starved of runs.
    const productive = ways.filter((way) =>
      fc.sample(way, { numRuns: 40, seed: 1 }).some((candidate) => candidate !== undefined),
    );
    if (productive.length === 0) return undefined;
    return fc
      .oneof(...productive)
      .filter((candidate): candidate is InvalidRequest => candidate !== undefined);
  }

  /** Values a client can put in that part of a request at all. */
  private acceptable(parameter: Parameter, value: string): boolean {
    switch (parameter.in) {
      case 'path':
        // An empty or dot segment addresses another route (or is normalised away).
        return value !== '' && value !== '.' && value !== '..';
      case 'header':
        return /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) || value === '';
      default:
        return true;
    }
  }

  private request(given: Record<string, string>, body: unknown): Sent {
    let path = this.operation.path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = {};
    for (const parameter of this.parameters) {
      let value = given[parameter.name];
      if (value === undefined) continue;
      switch (parameter.in) {
        case 'path':
          path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
          break;
        case 'query':
          query.set(parameter.name, value);
          break;
        case 'header':
          if (parameter.name.toLowerCase() === 'idempotency-key') {
            value = this.uniqueKey(parameter, value);
          }
          if (value !== '') headers[parameter.name.toLowerCase()] = value;
          break;
        default:
          break;
      }
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const search = query.size === 0 ? '' : `?${query.toString()}`;
    return {
      role: this.role,
      method: this.operation.method,
      url: `${this.baseUrl}${path}${search}`,
      headers,
      body,
    };
  }

  /**
   * A generated key made unique: a key that an earlier request used means the first answer
   * again (or 409 with another body), which is the key's contract, not this request's.
   */
  private uniqueKey(parameter: Parameter, generated: string): string {
    const schema = parameter.schema ?? { type: 'string' };
    for (const candidate of [`${generated.slice(0, 64)}${randomUUID()}`, randomUUID()]) {
      if (this.contract.validParameter(schema, candidate)) return candidate;
    }
    return generated;
  }

  private without(request: Sent, parameter: Parameter): Sent {
    const url = new URL(request.url);
    const name = parameter.name.toLowerCase();
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([key]) => parameter.in !== 'header' || key !== name),
    );
    if (parameter.in === 'query') url.searchParams.delete(parameter.name);
    return { ...request, url: url.toString(), headers, broken: `required ${parameter.name}` };
  }

  private replaced(request: Sent, parameter: Parameter, value: string, broken: Broken): Sent {
    const what = `${broken.broken} at ${parameter.in} ${parameter.name}`;
    if (parameter.in === 'header') {
      return {
        ...request,
        headers: { ...request.headers, [parameter.name.toLowerCase()]: value },
        broken: what,
      };
    }
    if (parameter.in === 'query') {
      const url = new URL(request.url);
      url.searchParams.set(parameter.name, value);
      return { ...request, url: url.toString(), broken: what };
    }
    // The path: rebuild it from the template with the broken value in its place.
    const url = new URL(request.url);
    const template = this.operation.path.split('/');
    const segments = url.pathname.split('/');
    const index = template.indexOf(`{${parameter.name}}`);
    segments[index] = encodeURIComponent(value);
    url.pathname = segments.join('/');
    return { ...request, url: url.toString(), broken: what };
  }
}

/** `application/json` or a `+json` type (problem+json); not NDJSON, which is lines of JSON. */
function isJson(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A parameter's value as it travels: a string. */
function wire(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
