import type { z } from 'zod';

import { ConfigError } from './config-error';
import type { ConfigIssue } from './config-error';

/** The environment as Node exposes it: every value is text or absent. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A schema that reads the environment and produces a configuration of type `C`. */
export type ConfigSchema<C> = z.ZodType<C, Environment>;

/**
 * Reads configuration from the environment through a zod schema whose keys are variable names
 * (see {@link platformVariables} and the `env*` helpers), and returns its parsed output.
 *
 * @param schema - Validates and converts the variables; unknown variables are ignored.
 * @param env - The environment to read; `process.env` by default.
 * @throws {@link ConfigError} naming every invalid variable, why, and the value it had
 *   (secrets redacted). Nothing else is thrown for bad input.
 */
export function loadConfig<S extends z.ZodType<unknown, Environment>>(
  schema: S,
  env: Environment = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => toConfigIssue(issue, env)));
}

function toConfigIssue(issue: z.core.$ZodIssue, env: Environment): ConfigIssue {
  const variable = issue.path.map(String).join('.') || '(environment)';
  const raw = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
  const shown =
    raw === undefined || raw.trim() === '' ? '' : `, got ${describeValue(variable, raw)}`;
  return { variable, reason: `${issue.message}${shown}` };
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY/i;
const MAX_SHOWN_LENGTH = 80;

/**
 * The rejected value, quoted, as an operator needs it to spot the mistake, but without
 * leaking secrets into logs: variables named like secrets are redacted, passwords inside URLs
 * are masked, and long values are cut.
 */
function describeValue(variable: string, raw: string): string {
  if (SECRET_NAME.test(variable)) return '(redacted)';
  let value = raw;
  if (URL.canParse(raw)) {
    const url = new URL(raw);
    if (url.password !== '') {
      url.password = '***';
      value = url.toString();
    }
  }
  if (value.length > MAX_SHOWN_LENGTH) value = `${value.slice(0, MAX_SHOWN_LENGTH)}…`;
  return JSON.stringify(value);
}
