// The one list of services the local tools run: every folder under services/ with a
// `service.json` that declares how to run it. `npm start`, the drill, the two-site harness and
// the benchmarks derive from it what to migrate, start, wire and compare, so adding a service
// is adding its folder: no edit in tools/.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

/** The file in `services/<name>/` that declares a service to the tools. */
export const DECLARATION_FILE = 'service.json';

/**
 * Values the tools can put into a service's environment, by placeholder. A declaration's `env`
 * maps a variable to a template made of these (e.g. `"SYNC_SERVICES": "{replicatedServices}"`).
 *
 * - `signingKeyFile`: the local private JWK that signs the platform's bearer tokens, for a
 *   service that mints its own operator tokens.
 * - `checkpointKeyDir`: a folder for the checkpoint signing key pair, shared by both sites.
 * - `replicatedServices`: every service with an event store, as
 *   `name=<primary URL>,<embassy URL>`, `;`-separated.
 * - `demoFile`: the JSON file of demo identities that `npm start` seeds (the portal's local
 *   sign-in offers them); absent where nothing seeds them.
 * - `drillReport`: the JSON file where `npm run drill` writes its last report (the portal's
 *   operator console shows it).
 *
 * And `{url:<service>}`: the base URL of another declared service on the same site (the
 * registry asks the consent service's decisions at `{url:consent}`).
 */
export const ENV_PLACEHOLDERS = [
  'signingKeyFile',
  'checkpointKeyDir',
  'replicatedServices',
  'demoFile',
  'drillReport',
] as const;
export type EnvPlaceholder = (typeof ENV_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;
/** `{url:<service>}`: a service's base URL on the same site. */
const SERVICE_URL = /^url:([a-z][a-z0-9-]*)$/;
const port = z.number().int().min(1).max(65_535);
const relativeFile = z
  .string()
  .regex(/^[\w./-]+\.ts$/, 'a .ts path relative to the service folder')
  .refine((path) => !path.split('/').includes('..'), 'must stay inside the service folder');

const declarationSchema = z
  .object({
    $comment: z.string().optional(),
    /** The folder's name: also the database name (with `_` for `-`) and the port variable. */
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    /** The entry that starts the service, relative to its folder. */
    main: relativeFile,
    /** Local HTTP ports on each site. */
    ports: z.object({ primary: port, embassy: port }).strict(),
    /** A PostgreSQL database of its own on each site, and the migration run before it starts. */
    database: z.object({ migrate: relativeFile }).strict().optional(),
    /**
     * An event store replicated to the embassy: its schema and internal topic. Such a service
     * is replayed on the embassy, fenced and promoted in a failover and compared by digests.
     */
    eventStore: z
      .object({
        schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a PostgreSQL schema name'),
        topic: z.string().regex(/^[a-z][a-z0-9-]*\.events\.v\d+$/, '<service>.events.v<N>'),
      })
      .strict()
      .optional(),
    /**
     * Whether it connects to its site's Kafka cluster (the default). `false` for a service that
     * only calls other services over HTTP (the portal): the chart then gives it no brokers, no
     * KafkaUser and no path to Kafka, and the image check starts it with brokers that never
     * answer, which it must not need.
     */
    kafka: z.boolean().default(true),
    /** Service-specific variables, as templates over {@link ENV_PLACEHOLDERS}. */
    env: z
      .record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an upper-case variable name'), z.string())
      .default({}),
  })
  .strict()
  .superRefine((declaration, ctx) => {
    if (declaration.eventStore && !declaration.database) {
      ctx.addIssue({
        code: 'custom',
        path: ['eventStore'],
        message: 'an event store needs a database (with its migrate entry)',
      });
    }
    if (declaration.eventStore && !declaration.kafka) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka'],
        message: 'an event store is relayed to Kafka: a service with one cannot do without',
      });
    }
    if (declaration.ports.primary === declaration.ports.embassy) {
      ctx.addIssue({
        code: 'custom',
        path: ['ports'],
        message: 'the primary and the embassy need different ports (both run on one machine)',
      });
    }
    for (const [variable, template] of Object.entries(declaration.env)) {
      for (const [, name] of template.matchAll(PLACEHOLDER)) {
        if (
          !(ENV_PLACEHOLDERS as readonly string[]).includes(name ?? '') &&
          !SERVICE_URL.test(name ?? '')
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['env', variable],
            message: `unknown placeholder {${name ?? ''}}; known: ${ENV_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, {url:<service>}`,
          });
        }
      }
    }
  });

/** A service as the tools run it, with absolute paths. */
export interface ServiceDeclaration {
  readonly name: string;
  readonly dir: string;
  readonly main: string;
  readonly ports: { readonly primary: number; readonly embassy: number };
  /** Absent for a service without a database of its own. */
  readonly database?: { readonly name: string; readonly migrate: string };
  readonly eventStore?: { readonly schema: string; readonly topic: string };
  /** Whether it connects to its site's Kafka cluster. */
  readonly kafka: boolean;
  readonly env: Readonly<Record<string, string>>;
}

/** A declaration that cannot be used; the message names the file and every problem. */
export class ServiceDeclarationError extends Error {
  override readonly name = 'ServiceDeclarationError';
}

/**
 * Reads and validates every `services/<name>/service.json` under `servicesDir`, sorted by name.
 * A folder without one is not a service the tools run. Throws a
 * {@link ServiceDeclarationError} naming the file for invalid JSON, a schema violation, a name
 * that is not the folder's, an entry that does not exist, or a port two services share.
 */
export function loadServiceDeclarations(servicesDir: string): ServiceDeclaration[] {
  if (!existsSync(servicesDir)) return [];
  const folders = readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const services: ServiceDeclaration[] = [];
  for (const folder of folders) {
    const file = join(servicesDir, folder, DECLARATION_FILE);
    if (!existsSync(file)) continue;
    services.push(parseDeclaration(file, folder, join(servicesDir, folder)));
  }
  const owners = new Map<number, string>();
  for (const service of services) {
    for (const [site, value] of Object.entries(service.ports)) {
      const owner = owners.get(value);
      if (owner !== undefined) {
        throw new ServiceDeclarationError(
          `${join(service.dir, DECLARATION_FILE)}: ports.${site} ${value} is already ${owner}'s`,
        );
      }
      owners.set(value, service.name);
    }
  }
  return services;
}

function parseDeclaration(file: string, folder: string, dir: string): ServiceDeclaration {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ServiceDeclarationError(
      `${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const parsed = declarationSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
    );
    throw new ServiceDeclarationError(`${file}: ${problems.join('; ')}`);
  }
  const declaration = parsed.data;
  if (declaration.name !== folder) {
    throw new ServiceDeclarationError(
      `${file}: name "${declaration.name}" is not the folder's name "${folder}"`,
    );
  }
  const entry = (path: string, field: string): string => {
    const absolute = join(dir, path);
    if (!existsSync(absolute)) {
      throw new ServiceDeclarationError(`${file}: ${field} ${path} does not exist`);
    }
    return absolute;
  };
  return {
    name: declaration.name,
    dir,
    main: entry(declaration.main, 'main'),
    ports: declaration.ports,
    ...(declaration.database
      ? {
          database: {
            name: declaration.name.replace(/-/g, '_'),
            migrate: entry(declaration.database.migrate, 'database.migrate'),
          },
        }
      : {}),
    ...(declaration.eventStore ? { eventStore: declaration.eventStore } : {}),
    kafka: declaration.kafka,
    env: declaration.env,
  };
}

/**
 * A declaration's `env` with its placeholders filled in, `{url:<service>}` from `siteUrls` (the
 * base URLs of the services on the service's own site, by name). A placeholder without a value
 * drops its variable (the service then uses its own default) rather than passing a half-made
 * value.
 */
export function resolveServiceEnv(
  service: ServiceDeclaration,
  values: Partial<Record<EnvPlaceholder, string>>,
  siteUrls: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const valueOf = (name: string): string | undefined => {
    const url = SERVICE_URL.exec(name);
    return url ? siteUrls[url[1] ?? ''] : values[name as EnvPlaceholder];
  };
  const env: Record<string, string> = {};
  for (const [variable, template] of Object.entries(service.env)) {
    const names = [...template.matchAll(PLACEHOLDER)].map(([, name]) => name ?? '');
    if (names.some((name) => valueOf(name) === undefined)) continue;
    env[variable] = template.replace(PLACEHOLDER, (_, name: string) => valueOf(name) ?? '');
  }
  return env;
}

/**
 * `replicatedServices` for {@link resolveServiceEnv}: each service with an event store and
 * its URL on both sites, `name=<primary>,<embassy>;…`. Services missing a URL on a site are
 * left out.
 */
export function replicatedServicesValue(
  services: readonly ServiceDeclaration[],
  url: (service: ServiceDeclaration, site: 'primary' | 'embassy') => string | undefined,
): string | undefined {
  const pairs = services
    .filter((service) => service.eventStore !== undefined)
    .flatMap((service) => {
      const primary = url(service, 'primary');
      const embassy = url(service, 'embassy');
      return primary && embassy ? [`${service.name}=${primary},${embassy}`] : [];
    });
  return pairs.length > 0 ? pairs.join(';') : undefined;
}

/** The services a declaration's `env` names by `{url:<service>}`, each once. */
export function urlDependencies(service: ServiceDeclaration): string[] {
  const names = new Set<string>();
  for (const template of Object.values(service.env)) {
    for (const [, name] of template.matchAll(PLACEHOLDER)) {
      const url = SERVICE_URL.exec(name ?? '');
      if (url?.[1] !== undefined && url[1] !== service.name) names.add(url[1]);
    }
  }
  return [...names];
}

/**
 * `services` in an order in which each comes after the services its `{url:<service>}`
 * placeholders name (by name otherwise), for the tools that start services one after the other
 * on free ports: a service started before one it names would lose that variable. A name not in
 * `services` is ignored; a cycle throws a {@link ServiceDeclarationError} naming it (one of the
 * services would start without the other's URL).
 */
export function startOrder<S extends ServiceDeclaration>(services: readonly S[]): S[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const ordered: S[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: S, path: readonly string[]): void => {
    const seen = state.get(service.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new ServiceDeclarationError(
        `services name each other's URLs in a cycle: ${[...path, service.name].join(' -> ')}`,
      );
    }
    state.set(service.name, 'visiting');
    for (const name of urlDependencies(service).sort()) {
      const dependency = byName.get(name);
      if (dependency !== undefined) visit(dependency, [...path, service.name]);
    }
    state.set(service.name, 'done');
    ordered.push(service);
  };
  for (const service of [...services].sort((a, b) => a.name.localeCompare(b.name))) {
    visit(service, []);
  }
  return ordered;
}
