import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { z } from 'zod';

import type { FieldError } from '@gov/platform-chassis';
import { sourceOf } from '@gov/platform-legal-bases';
import type { DataCategory, LegalBasisCatalogue } from '@gov/platform-legal-bases';
import type { PrefillSource } from '@gov/procedures-domain';

/** The definitions shipped with this library: the local platform's and the tests' default. */
export const DEFAULT_CATALOGUE_DIR = join(__dirname, '..', '..', 'catalogue');

const Id = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a lower-case id (letters, digits, -)');

/** The shape of a definition file (the form is checked by ajv on top). */
export const ProcedureDefinitionSchema = z.strictObject({
  id: Id,
  version: z.number().int().min(1).max(10_000),
  title: z.strictObject({ fr: z.string().min(1), en: z.string().min(1) }),
  organisationId: z.string().min(1),
  purpose: z.string().min(1).max(200),
  business: z.boolean().default(false),
  vehicle: z.boolean().default(false),
  form: z.record(z.string(), z.unknown()),
  prefill: z.record(z.string(), z.string().nullable()),
});

/** A procedure definition: one version, never changed once shipped. */
export interface ProcedureDefinition {
  readonly id: string;
  readonly version: number;
  readonly title: { readonly fr: string; readonly en: string };
  /** The organisation (of the legal-basis catalogue) whose back office handles it. */
  readonly organisationId: string;
  /** The purpose its back office works for. */
  readonly purpose: string;
  /** A business's procedure: the draft names a business the person manages. */
  readonly business: boolean;
  /** A vehicle's procedure: the draft names a vehicle the person owns. */
  readonly vehicle: boolean;
  /** The form, as a JSON Schema (an object whose properties are the fields). */
  readonly form: Readonly<Record<string, unknown>>;
  /** Per form field, the data category it is prefilled from, or `null`. */
  readonly prefill: Readonly<Record<string, DataCategory | null>>;
}

/** Which fields one source would fill, in the definition's order. */
export interface SourceFields {
  readonly source: PrefillSource;
  readonly fields: readonly { readonly field: string; readonly category: DataCategory }[];
}

/** A catalogue that cannot be loaded: every problem, by file and path. */
export class InvalidProcedureCatalogueError extends Error {
  override readonly name = 'InvalidProcedureCatalogueError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid procedure catalogue:\n${problems.join('\n')}`);
  }
}

/** A JSON path of ajv (`/address/postcode`) as the chassis names fields (`address.postcode`). */
function fieldOf(error: ErrorObject): string {
  const base = error.instancePath.split('/').filter((part) => part !== '');
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params['missingProperty'] === 'string') {
    base.push(params['missingProperty']);
  }
  if (
    error.keyword === 'additionalProperties' &&
    typeof params['additionalProperty'] === 'string'
  ) {
    base.push(params['additionalProperty']);
  }
  return base.length === 0 ? 'form' : `form.${base.join('.')}`;
}

/**
 * The versioned procedure definitions, validated when loaded: each form is a JSON Schema that
 * ajv compiles, each field's prefill names a known data category, and the handling
 * organisation is one of the legal-basis catalogue's.
 */
export class ProcedureCatalogue {
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(
    private readonly byKey: ReadonlyMap<string, ProcedureDefinition>,
    ajv: Ajv,
  ) {
    for (const [key, definition] of byKey) {
      this.validators.set(key, ajv.compile(definition.form));
    }
  }

  /** Loads every `*.json` of `dir`; throws {@link InvalidProcedureCatalogueError}. */
  static load(dir: string, legalBases: LegalBasisCatalogue): ProcedureCatalogue {
    const problems: string[] = [];
    const definitions = new Map<string, ProcedureDefinition>();
    const ajv = new Ajv({ allErrors: true, strict: true });
    const files = readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .sort();
    for (const file of files) {
      const where = (path: string) => `${file}${path === '' ? '' : `: ${path}`}`;
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      } catch (error) {
        problems.push(where(error instanceof Error ? error.message : String(error)));
        continue;
      }
      const parsed = ProcedureDefinitionSchema.safeParse(json);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push(where(`${issue.path.join('.')}: ${issue.message}`));
        }
        continue;
      }
      const d = parsed.data;
      const key = `${d.id}@${d.version}`;
      if (definitions.has(key)) problems.push(where(`${key} is defined twice`));
      if (legalBases.organisation(d.organisationId) === undefined) {
        problems.push(
          where(`organisationId: ${d.organisationId} is not in the legal-basis catalogue`),
        );
      }
      try {
        ajv.compile(d.form);
      } catch (error) {
        problems.push(where(`form: ${error instanceof Error ? error.message : String(error)}`));
        continue;
      }
      const declared = d.form['properties'];
      const properties =
        typeof declared === 'object' && declared !== null ? Object.keys(declared) : [];
      const prefill: Record<string, DataCategory | null> = {};
      for (const field of properties) {
        const category = d.prefill[field];
        if (category === undefined) {
          problems.push(where(`prefill.${field}: every form field names a category or null`));
        } else if (category !== null && !legalBases.isCategory(category)) {
          problems.push(where(`prefill.${field}: ${category} is not a known data category`));
        } else {
          prefill[field] = category;
        }
      }
      for (const field of Object.keys(d.prefill)) {
        if (!properties.includes(field)) {
          problems.push(where(`prefill.${field}: not a field of the form`));
        }
      }
      definitions.set(key, { ...d, prefill });
    }
    if (definitions.size === 0 && problems.length === 0) problems.push(`${dir}: no definitions`);
    if (problems.length > 0) throw new InvalidProcedureCatalogueError(problems);
    return new ProcedureCatalogue(definitions, ajv);
  }

  /** The latest version of every procedure, by id. */
  list(): ProcedureDefinition[] {
    const latest = new Map<string, ProcedureDefinition>();
    for (const definition of this.byKey.values()) {
      const current = latest.get(definition.id);
      if (current === undefined || current.version < definition.version) {
        latest.set(definition.id, definition);
      }
    }
    return [...latest.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The latest version of a procedure, or `undefined`. */
  latest(id: string): ProcedureDefinition | undefined {
    return this.list().find((definition) => definition.id === id);
  }

  /** One version of a procedure, or `undefined`. */
  version(id: string, version: number): ProcedureDefinition | undefined {
    return this.byKey.get(`${id}@${version}`);
  }

  /** Every version of a procedure, oldest first. */
  versions(id: string): number[] {
    return [...this.byKey.values()]
      .filter((definition) => definition.id === id)
      .map((definition) => definition.version)
      .sort((a, b) => a - b);
  }

  /** What a form violates in its definition's schema: each field, named as `form.<path>`. */
  validate(definition: ProcedureDefinition, form: unknown): FieldError[] {
    const validate = this.validators.get(`${definition.id}@${definition.version}`);
    if (validate === undefined)
      throw new TypeError(`${definition.id}@${definition.version} unknown`);
    if (validate(form)) return [];
    return (validate.errors ?? []).map((error) => ({
      field: fieldOf(error),
      message: error.message ?? error.keyword,
    }));
  }

  /**
   * The fields each source would fill, sources in the order persons, businesses, vehicles,
   * personal space.
   */
  static sourcesOf(definition: ProcedureDefinition): SourceFields[] {
    const order: PrefillSource[] = ['persons', 'businesses', 'vehicles', 'personal-space'];
    return order
      .map((source) => ({
        source,
        fields: Object.entries(definition.prefill)
          .filter((entry): entry is [string, DataCategory] => entry[1] !== null)
          .filter(([, category]) => sourceOf(category) === source)
          .map(([field, category]) => ({ field, category })),
      }))
      .filter((entry) => entry.fields.length > 0);
  }
}
