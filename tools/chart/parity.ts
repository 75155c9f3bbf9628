// Parity of the chart with the services: what each rendered container gets as its environment,
// run through the configuration schema the service itself validates at start-up (in a child
// process, see config-probe.ts), and compared with what the local platform runs (service.json).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import type { ServiceDeclaration } from '../scripts/lib/service-declarations';
import type { ConfigProbe, ConfigProbeResult } from './config-probe';
import { REPO_ROOT } from './paths';
import type { Manifest, RenderedContainer } from './render';

/**
 * What a Secret referred to by the chart would hold, for the schemas to parse: each variable
 * the chart takes from a Secret needs a sample of the right shape here.
 */
export const SECRET_SAMPLES: Readonly<Record<string, string>> = {
  DATABASE_URL: 'postgresql://app:sample@pg-sample-rw.postgres.svc:5432/app',
  AUTH_JWKS_URL: 'https://idp.gov.example/jwks.json',
  AUTH_ISSUER: 'https://idp.gov.example',
  // The portal's OpenID Connect issuer, by default the auth Secret's issuer key (as above).
  PORTAL_OIDC_ISSUER: 'https://idp.gov.example',
  AUTH_AUDIENCE: 'backbone',
  KAFKA_SASL_PASSWORD: 'sample-password',
  // The portal's session key: base64 of 32 bytes, the least its schema accepts.
  PORTAL_SESSION_SECRET: Buffer.alloc(32, 7).toString('base64'),
};

/**
 * Variables that a service reads outside its configuration schema: the OpenTelemetry SDK's
 * own, from the SDK's environment specification (`libs/platform/observability` starts the SDK,
 * which reads them). Listed by name, so that a misspelt one fails like any other.
 */
export const READ_OUTSIDE_SCHEMA: ReadonlySet<string> = new Set([
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_EXPORTER',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_PROPAGATORS',
]);

/** The container's environment as the process would see it, secrets replaced by samples. */
export function processEnv(container: RenderedContainer): {
  readonly env: Record<string, string>;
  readonly problems: string[];
} {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, source] of container.env) {
    if (source.kind === 'value') {
      env[name] = source.value;
      continue;
    }
    const sample = SECRET_SAMPLES[name];
    if (sample === undefined) {
      problems.push(
        `${name} comes from Secret ${source.secret}, and the parity test has no sample of it`,
      );
    } else {
      env[name] = sample;
    }
  }
  return { env, problems };
}

/**
 * Runs each probe in one child process (the services' config modules load through swc, as
 * `npm start` loads them).
 *
 * @throws Error with the child's output when it fails.
 */
export function probeConfigs(probes: readonly ConfigProbe[]): ConfigProbeResult[] {
  const result = spawnSync(
    process.execPath,
    [
      '--require',
      require.resolve('@swc-node/register'),
      '--require',
      join(REPO_ROOT, 'tools', 'scripts', 'ensure-contracts.ts'),
      join(__dirname, 'config-probe.ts'),
    ],
    {
      cwd: REPO_ROOT,
      input: JSON.stringify(probes),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (result.status !== 0) {
    throw new Error(`config probe failed (exit ${String(result.status)}):\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as ConfigProbeResult[];
}

/** What the rendered site must look like from a service's configuration. */
export interface SiteExpectation {
  readonly siteRole: 'primary' | 'embassy';
  /** The alias a replica reads mirrored topics under (`primary.<topic>` on the embassy). */
  readonly replicationSource: string;
  readonly kafkaBrokers: string;
  readonly manifests: readonly Manifest[];
  readonly declarations: readonly ServiceDeclaration[];
}

function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (current, key) =>
        typeof current === 'object' && current !== null
          ? (current as Record<string, unknown>)[key]
          : undefined,
      value,
    );
}

/** `http://host:port` of each rendered Service. */
function serviceUrls(manifests: readonly Manifest[]): Set<string> {
  const urls = new Set<string>();
  for (const manifest of manifests) {
    if (manifest.kind !== 'Service') continue;
    const ports = (manifest.spec?.['ports'] ?? []) as { port: number }[];
    for (const port of ports) {
      urls.add(`http://${manifest.metadata.name}:${port.port}`);
      if (port.port === 80) urls.add(`http://${manifest.metadata.name}`);
    }
  }
  return urls;
}

/**
 * Every way a Deployment's environment disagrees with the service's configuration or with the
 * local platform: variables the schema does not read, values it rejects, and parsed values
 * that are not what this site needs. Empty when they agree.
 */
export function environmentProblems(
  container: RenderedContainer,
  env: Readonly<Record<string, string>>,
  result: ConfigProbeResult,
  site: SiteExpectation,
): string[] {
  const problems: string[] = [];
  const known = new Set(result.known);
  for (const name of Object.keys(env).sort()) {
    if (!known.has(name) && !READ_OUTSIDE_SCHEMA.has(name)) {
      problems.push(
        `${name} is rendered, but ${container.service}'s configuration schema does not read it`,
      );
    }
  }
  for (const issue of result.issues ?? []) {
    problems.push(`${container.service} rejects ${issue.variable}: ${issue.reason}`);
  }
  const config = result.config;
  if (config === undefined) return problems;
  const declaration = site.declarations.find((d) => d.name === container.service);
  const expect = (path: string, expected: unknown): void => {
    const actual = at(config, path);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(
        `${container.service}: ${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
      );
    }
  };
  expect('http.host', '0.0.0.0');
  expect('http.port', container.ports[0]);
  expect('siteRole', site.siteRole);
  if (declaration?.database) expect('database.url', SECRET_SAMPLES['DATABASE_URL']);
  if (declaration?.kafka === false) {
    // The platform's schema reads the Kafka variables of every service, also of one without a
    // Kafka client: only the declaration tells that none of them should be there.
    for (const name of Object.keys(env)
      .sort()
      .filter((variable) => variable.startsWith('KAFKA_'))) {
      problems.push(
        `${name} is rendered, but ${container.service} has no Kafka client (service.json: "kafka": false)`,
      );
    }
  } else {
    expect('kafka.brokers', site.kafkaBrokers.split(','));
    const password = container.env.get('KAFKA_SASL_PASSWORD');
    if (password?.kind === 'secret') {
      // Strimzi names a KafkaUser's Secret after the user.
      expect('kafka.sasl.username', password.secret);
      expect('kafka.sasl.password', SECRET_SAMPLES['KAFKA_SASL_PASSWORD']);
    }
  }
  if (declaration?.eventStore) {
    expect('eventsTopic', declaration.eventStore.topic);
    expect('replicationSource', site.replicationSource);
  }
  if (env['OTEL_SERVICE_NAME'] !== undefined && env['OTEL_SERVICE_NAME'] !== container.service) {
    problems.push(`OTEL_SERVICE_NAME=${env['OTEL_SERVICE_NAME']}, expected ${container.service}`);
  }
  const urls = serviceUrls(site.manifests);
  // The calls the local platform wires ({url:<service>} in service.json) are the chart's too.
  for (const [name, template] of Object.entries(declaration?.env ?? {})) {
    const called = /^\{url:([a-z][a-z0-9-]*)\}$/.exec(template)?.[1];
    if (called === undefined) continue;
    const value = env[name];
    if (value === undefined) {
      problems.push(
        `${name} is ${template} under npm start, but the chart does not set it (services.${container.service}.calls)`,
      );
    } else if (!isServiceUrl(value, called, urls)) {
      problems.push(`${name}=${value} is not the ${called} service's URL`);
    }
  }
  // And both sites' URLs of the replicated services ({replicatedServices}).
  for (const [name, template] of Object.entries(declaration?.env ?? {})) {
    if (template !== '{replicatedServices}') continue;
    problems.push(...replicatedServicesProblems(container.service, name, env[name], site, urls));
  }
  // A variable named after a declared service (`CONSENT_URL`) is that service's address here,
  // whether service.json names it or not; others (`PORTAL_PUBLIC_URL`) are not in-cluster ones.
  const byVariable = new Map(
    site.declarations.map((d) => [`${d.name.toUpperCase().replace(/-/g, '_')}_URL`, d.name]),
  );
  for (const [name, value] of Object.entries(env)) {
    const service = byVariable.get(name);
    if (
      service !== undefined &&
      container.env.get(name)?.kind === 'value' &&
      !isServiceUrl(value, service, urls)
    ) {
      problems.push(`${name}=${value} is not the rendered ${service} Service's URL`);
    }
    if (value.startsWith('/var/run/secrets/')) {
      const folder = value.slice(0, value.lastIndexOf('/'));
      const file = value.slice(value.lastIndexOf('/') + 1);
      if (!(container.secretMounts.get(folder) ?? []).includes(file)) {
        problems.push(`${name}=${value} is not a file mounted from a Secret`);
      }
    }
  }
  return problems;
}

/** Whether `url` is the rendered Service of `service` (`http://<release>-<service>[:port]`). */
function isServiceUrl(url: string, service: string, urls: ReadonlySet<string>): boolean {
  return urls.has(url) && new RegExp(`^http://[a-z0-9-]*-${service}(:\\d+)?$`).test(url);
}

/**
 * What is wrong with a `{replicatedServices}` variable (`name=<primary URL>,<embassy URL>;…`):
 * it must list exactly the services with an event store, each with this site's URL being its
 * rendered Service.
 */
function replicatedServicesProblems(
  service: string,
  variable: string,
  value: string | undefined,
  site: SiteExpectation,
  urls: ReadonlySet<string>,
): string[] {
  if (value === undefined) {
    return [
      `${variable} is {replicatedServices} under npm start, but the chart does not set it (site.peerUrls)`,
    ];
  }
  const problems: string[] = [];
  const names: string[] = [];
  for (const entry of value.split(';')) {
    const [name = '', pair = ''] = entry.split('=');
    const [primary = '', embassy = ''] = pair.split(',');
    names.push(name);
    const local = site.siteRole === 'primary' ? primary : embassy;
    if (!isServiceUrl(local, name, urls)) {
      problems.push(
        `${service} reaches ${name} on this site at ${local}, not its rendered Service`,
      );
    }
  }
  const expected = site.declarations.filter((d) => d.eventStore).map((d) => d.name);
  if (JSON.stringify([...names].sort()) !== JSON.stringify([...expected].sort())) {
    problems.push(
      `${variable} lists ${names.join(', ')}; the services with an event store are ${expected.join(', ')}`,
    );
  }
  return problems;
}
