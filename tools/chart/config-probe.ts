// Run as a child process by the parity test: for each probe read from stdin
// ({service, env}), loads the configuration schema that the service validates at start-up
// (the `…ConfigSchema` export of services/<service>/src/<service>.config.ts) and answers
// which variables it knows, and what it makes of `env`. The module is found by convention at
// run time, because tools may not import services (the module-boundary rules); the schema is
// the service's own, never a copy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { ConfigError, loadConfig } from '@gov/platform-config';
import type { ConfigSchema } from '@gov/platform-config';

import { REPO_ROOT } from './paths';

/** What the parity test asks. */
export interface ConfigProbe {
  readonly service: string;
  readonly env: Readonly<Record<string, string>>;
}

/** What it answers for one probe. */
export interface ConfigProbeResult {
  readonly service: string;
  /** The variables the schema reads. */
  readonly known: readonly string[];
  /** The parsed configuration, when `env` is valid. */
  readonly config?: unknown;
  /** Each invalid variable and why, when it is not. */
  readonly issues?: readonly { readonly variable: string; readonly reason: string }[];
}

/** The variable names of an object schema, through refinements and transforms. */
export function variablesOf(schema: z.ZodType): string[] {
  let current: z.ZodType = schema;
  for (let depth = 0; depth < 8; depth += 1) {
    if (current instanceof z.ZodObject) return Object.keys(current.shape);
    if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
      continue;
    }
    break;
  }
  throw new Error('not an object schema (through pipes and transforms)');
}

async function probe({ service, env }: ConfigProbe): Promise<ConfigProbeResult> {
  const file = join(REPO_ROOT, 'services', service, 'src', `${service}.config.ts`);
  const module = (await import(file)) as Record<string, unknown>;
  const schemas = Object.entries(module).filter(
    (entry): entry is [string, ConfigSchema<unknown>] =>
      /ConfigSchema$/.test(entry[0]) && entry[1] instanceof z.ZodType,
  );
  const only = schemas[0];
  if (only === undefined || schemas.length > 1) {
    throw new Error(
      `${file}: expected exactly one export named …ConfigSchema, found ${schemas.length}`,
    );
  }
  const known = variablesOf(only[1]);
  try {
    return { service, known, config: loadConfig(only[1], env) };
  } catch (error) {
    if (error instanceof ConfigError) return { service, known, issues: error.issues };
    throw error;
  }
}

async function main(): Promise<void> {
  const probes = JSON.parse(readFileSync(0, 'utf8')) as ConfigProbe[];
  const results: ConfigProbeResult[] = [];
  for (const request of probes) results.push(await probe(request));
  process.stdout.write(JSON.stringify(results));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
