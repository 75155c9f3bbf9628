import { z } from 'zod';

/** The outcome of parsing one variable's (trimmed, non-empty) value. */
export type ParsedValue<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

/** A schema for one environment variable: reads `string | undefined`, produces `T`. */
export type EnvVariable<T> = z.ZodType<T, string | undefined>;

/**
 * The building block of every variable schema. An unset variable and one set to blank text are
 * treated alike (a `FOO=` line in an env file, or an empty Helm value, means "use the default"),
 * and surrounding whitespace is ignored. A variable without a default is required.
 *
 * @param parse - Turns the trimmed value into `T`, or says what was expected instead; the
 *   expectation becomes the error reason (`expected …`), to which `loadConfig` adds the value.
 * @param defaultValue - Used when the variable is unset or blank; `undefined` makes it required.
 */
export function envVariable<T>(
  parse: (value: string) => ParsedValue<T>,
  defaultValue?: T,
): EnvVariable<T> {
  return z
    .string()
    .optional()
    .transform((raw, context): T => {
      const value = raw?.trim();
      if (value === undefined || value === '') {
        if (defaultValue !== undefined) return defaultValue;
        context.addIssue({ code: 'custom', message: 'is required but not set' });
        return z.NEVER;
      }
      const parsed = parse(value);
      if (parsed.ok) return parsed.value;
      context.addIssue({ code: 'custom', message: `expected ${parsed.expected}` });
      return z.NEVER;
    });
}

/** Any non-empty text without whitespace inside (host names, ids). */
export function envToken(options: { readonly default?: string } = {}): EnvVariable<string> {
  return envVariable(
    (value) =>
      /\s/.test(value) ? { ok: false, expected: 'a value without spaces' } : { ok: true, value },
    options.default,
  );
}

/** A decimal integer within `[min, max]`. */
export function envInteger(options: {
  readonly min: number;
  readonly max: number;
  readonly default?: number;
}): EnvVariable<number> {
  const { min, max } = options;
  return envVariable((value) => {
    const number = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
    return Number.isSafeInteger(number) && number >= min && number <= max
      ? { ok: true, value: number }
      : { ok: false, expected: `an integer between ${min} and ${max}` };
  }, options.default);
}

/** One of a fixed set of values (case-sensitive). */
export function envEnum<const T extends string>(
  values: readonly [T, ...T[]],
  options: { readonly default?: NoInfer<T> } = {},
): EnvVariable<T> {
  return envVariable(
    (value) =>
      (values as readonly string[]).includes(value)
        ? { ok: true, value: value as T }
        : { ok: false, expected: `one of ${values.join(', ')}` },
    options.default,
  );
}

/** A comma-separated list of `host:port` addresses, e.g. Kafka bootstrap brokers. */
export function envHostPortList(
  options: { readonly default?: readonly string[] } = {},
): EnvVariable<readonly string[]> {
  return envVariable<readonly string[]>((value) => {
    const entries = value.split(',').map((entry) => entry.trim());
    const valid = entries.every((entry) => {
      const match = /^([^\s:,]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      return match !== null && port >= 1 && port <= 65535;
    });
    return valid
      ? { ok: true, value: entries }
      : { ok: false, expected: 'a comma-separated list of host:port' };
  }, options.default);
}

/** An absolute URL whose scheme is one of `protocols` (written without the colon). */
export function envUrl(options: {
  readonly protocols: readonly [string, ...string[]];
  readonly default?: string;
}): EnvVariable<string> {
  const { protocols } = options;
  return envVariable((value) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    return url !== undefined && protocols.includes(url.protocol.slice(0, -1))
      ? { ok: true, value }
      : {
          ok: false,
          expected: `a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
        };
  }, options.default);
}
