// The chart README's values table, generated from the two files a chart already has:
// values.schema.json (types and descriptions) and values.yaml (defaults). No helm-docs binary
// exists here, and one source for descriptions beats comments parsed out of YAML.

/** The subset of JSON Schema the chart's values schema uses. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly $ref?: string;
  readonly $defs?: Readonly<Record<string, JsonSchema>>;
}

/** One row of the table: a documented key, its type, its default and what it means. */
export interface ValueRow {
  readonly key: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string;
}

/** A key of the schema without a description: the table would leave it unexplained. */
export class UndocumentedValueError extends Error {
  override readonly name = 'UndocumentedValueError';
}

/** The placeholder for a service's name in the collapsed `services.<name>.…` rows. */
const SERVICE_PLACEHOLDER = '<name>';

/**
 * The rows of the values table, in schema order. Objects with listed properties are walked
 * into; anything else (scalars, lists, maps) is one row. The per-service keys are collapsed
 * into `services.<name>.<key>` rows whose default is shared when every service has the same
 * one (after writing each service's name as `<name>`), else listed per service.
 *
 * @throws {@link UndocumentedValueError} naming every key without a description.
 */
export function valueRows(
  schema: JsonSchema,
  values: Readonly<Record<string, unknown>>,
): ValueRow[] {
  const rows: ValueRow[] = [];
  const undocumented: string[] = [];
  const resolve = (node: JsonSchema): JsonSchema => {
    if (node.$ref === undefined) return node;
    const name = /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1];
    const target = name === undefined ? undefined : schema.$defs?.[name];
    if (target === undefined) throw new Error(`unresolvable $ref ${node.$ref}`);
    // A $ref beside a description keeps the description of the place it is used.
    return node.description === undefined ? target : { ...target, description: node.description };
  };
  /**
   * `valueAt(service)` is the default at `path`; `services` is set below `services.<name>`,
   * where each service has its own default.
   */
  const walk = (
    node: JsonSchema,
    path: string,
    valueAt: (service: string) => unknown,
    services?: readonly string[],
  ): void => {
    const resolved = resolve(node);
    if (resolved.description === undefined) undocumented.push(path);
    const properties = resolved.properties ?? {};
    // A shared definition (a resource list, a selector) is one row where it is used, except
    // the services, whose keys are the chart's main matter.
    if (Object.keys(properties).length > 0 && isObjectType(resolved) && node.$ref === undefined) {
      if (path === 'services' && services === undefined) {
        const names = Object.keys(properties);
        const perService = resolve(properties[names[0] ?? ''] ?? {});
        for (const [name, child] of Object.entries(perService.properties ?? {})) {
          walk(
            child,
            `services.${SERVICE_PLACEHOLDER}.${name}`,
            (service) => childOf(childOf(valueAt(service), service), name),
            names,
          );
        }
        return;
      }
      for (const [name, child] of Object.entries(properties)) {
        walk(child, `${path}.${name}`, (service) => childOf(valueAt(service), name), services);
      }
      return;
    }
    rows.push({
      key: path,
      type: typeName(resolved),
      defaultValue:
        services === undefined ? render(valueAt('')) : serviceDefaults(services, valueAt),
      description: resolved.description ?? '',
    });
  };
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    walk(child, name, () => values[name]);
  }
  if (undocumented.length > 0) {
    throw new UndocumentedValueError(
      `values.schema.json: no description for ${undocumented.join(', ')}`,
    );
  }
  return rows;
}

/**
 * One default for all services when they agree once each one's name is written `<name>`
 * (`[node, services/<name>/main.js]`), else each service's own.
 */
function serviceDefaults(
  services: readonly string[],
  valueAt: (service: string) => unknown,
): string {
  const texts = services.map((service) =>
    render(valueAt(service)).replaceAll(service, SERVICE_PLACEHOLDER),
  );
  if (texts.every((text) => text === texts[0])) return texts[0] ?? '';
  return services.map((service) => `${service}: ${render(valueAt(service))}`).join('; ');
}

function isObjectType(node: JsonSchema): boolean {
  return node.type === 'object' || node.type === undefined;
}

function childOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function typeName(node: JsonSchema): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum !== undefined) return node.enum.map((value) => JSON.stringify(value)).join(' | ');
  const type = node.type ?? 'object';
  if (type === 'array') return `list of ${node.items ? typeName(node.items) : 'any'}`;
  if (type === 'object' && typeof node.additionalProperties === 'object') return 'map';
  return Array.isArray(type) ? type.join(' or ') : String(type);
}

function render(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

/** The Markdown table of {@link valueRows}; cells are escaped so that `|` cannot split one. */
export function valuesTable(rows: readonly ValueRow[]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const code = (text: string): string => (text === '' ? '' : `\`${text.replace(/`/g, "'")}\``);
  return [
    '| Key | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| \`${row.key}\` | ${cell(row.type)} | ${cell(code(row.defaultValue))} | ${cell(row.description)} |`,
    ),
  ].join('\n');
}

/** The markers between which the README holds the generated table. */
export const TABLE_START = '<!-- values-table:start (generated by npm run chart:readme) -->';
export const TABLE_END = '<!-- values-table:end -->';

/**
 * `readme` with the text between {@link TABLE_START} and {@link TABLE_END} replaced by
 * `table`, which Prettier is told to leave alone: it would pad every row to the widest cell.
 *
 * @throws Error when the README lacks either marker.
 */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`the README must contain ${TABLE_START} and, after it, ${TABLE_END}`);
  }
  return [
    readme.slice(0, start + TABLE_START.length),
    '<!-- prettier-ignore-start -->',
    table,
    '<!-- prettier-ignore-end -->',
    readme.slice(end),
  ].join('\n');
}
