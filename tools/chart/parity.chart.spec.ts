// Parity of the chart with the services (issue 12, item 5): the chart is rendered for both
// sites, and each service's own start-up configuration schema reads what its container would
// get. A variable renamed on either side, a value a service rejects, or a service pointed at
// its local defaults fails here.
import { join } from 'node:path';

import { loadServiceDeclarations } from '../scripts/lib/service-declarations';
import type { ConfigProbe, ConfigProbeResult } from './config-probe';
import { environmentProblems, probeConfigs, processEnv } from './parity';
import type { SiteExpectation } from './parity';
import { REPO_ROOT, SITE_VALUES } from './paths';
import { renderChart, renderedContainers } from './render';
import type { RenderedContainer } from './render';

const declarations = loadServiceDeclarations(join(REPO_ROOT, 'services'));

interface RenderedSite {
  readonly expectation: SiteExpectation;
  readonly deployments: RenderedContainer[];
  readonly jobs: RenderedContainer[];
  readonly results: Map<string, ConfigProbeResult>;
}

function renderSite(role: 'primary' | 'embassy'): RenderedSite {
  const manifests = renderChart([SITE_VALUES[role]]);
  const containers = renderedContainers(manifests);
  const deployments = containers.filter((c) => c.workload.startsWith('Deployment '));
  const jobs = containers.filter((c) => c.workload.startsWith('Job '));
  const probes: ConfigProbe[] = deployments.map((c) => ({
    service: c.service,
    env: processEnv(c).env,
  }));
  const results = new Map(probeConfigs(probes).map((r) => [r.service, r]));
  const configMap = manifests.find((m) => m.kind === 'ConfigMap');
  return {
    expectation: {
      siteRole: role,
      replicationSource: role === 'embassy' ? 'primary' : 'embassy',
      kafkaBrokers: configMap?.data?.['KAFKA_BROKERS'] ?? '',
      manifests,
      declarations,
    },
    deployments,
    jobs,
    results,
  };
}

describe.each(['primary', 'embassy'] as const)('the chart for the %s site', (role) => {
  let site: RenderedSite;
  beforeAll(() => {
    site = renderSite(role);
  });

  it('deploys every service the local platform runs, on the same port', () => {
    expect(site.deployments.map((c) => c.service).sort()).toEqual(declarations.map((d) => d.name));
    for (const container of site.deployments) {
      const declaration = declarations.find((d) => d.name === container.service);
      expect([container.service, container.ports]).toEqual([
        container.service,
        [declaration?.ports.primary],
      ]);
    }
  });

  it.each(declarations.map((d) => d.name))(
    'gives %s only variables its configuration schema reads, with values it accepts and this site needs',
    (service) => {
      const container = site.deployments.find((c) => c.service === service);
      const result = site.results.get(service);
      if (container === undefined || result === undefined)
        throw new Error(`${service} not rendered`);
      const { env, problems } = processEnv(container);
      expect([
        ...problems,
        ...environmentProblems(container, env, result, site.expectation),
      ]).toEqual([]);
    },
  );

  it('migrates every service with a database, with its own migrate entry, DATABASE_URL and, where the service seals, its KEK', () => {
    const withDatabase = declarations.filter((d) => d.database).map((d) => d.name);
    expect(site.jobs.map((c) => c.service).sort()).toEqual(withDatabase.sort());
    for (const job of site.jobs) {
      expect([job.service, job.command.at(-1)]).toEqual([
        job.service,
        `services/${job.service}/migrate.js`,
      ]);
      // The key-encryption key exactly where the service's Deployment has it: a rotation
      // re-wraps the service's keys in this Job.
      const seals = site.deployments
        .find((c) => c.service === job.service)
        ?.env.has('DATA_KEK_FILE');
      expect([job.service, [...job.env.keys()].sort()]).toEqual([
        job.service,
        seals === true ? ['DATABASE_URL', 'DATA_KEK_FILE'] : ['DATABASE_URL'],
      ]);
      expect(job.env.get('DATABASE_URL')?.kind).toBe('secret');
      if (seals === true) {
        expect(job.env.get('DATA_KEK_FILE')).toEqual(
          site.deployments.find((c) => c.service === job.service)?.env.get('DATA_KEK_FILE'),
        );
      }
    }
  });
});

/**
 * The parity problems of one service's Deployment, rendered for the primary with `set`, its
 * environment changed by `change` before the probe.
 */
function problemsOf(
  service: string,
  set: readonly string[] = [],
  change: (env: Record<string, string>) => Record<string, string> = (env) => env,
): string[] {
  const manifests = renderChart([SITE_VALUES.primary], set);
  const container = renderedContainers(manifests).find(
    (c) => c.workload === `Deployment backbone-${service}`,
  );
  if (container === undefined) throw new Error(`${service} not rendered`);
  const env = change(processEnv(container).env);
  const [result] = probeConfigs([{ service, env }]);
  if (result === undefined) throw new Error('no probe result');
  const brokers = manifests.find((m) => m.kind === 'ConfigMap')?.data?.['KAFKA_BROKERS'] ?? '';
  return environmentProblems(container, env, result, {
    siteRole: 'primary',
    replicationSource: 'embassy',
    kafkaBrokers: brokers,
    manifests,
    declarations,
  });
}

describe('the parity check itself', () => {
  it('fails a service without a Kafka client that is given Kafka, and one with a client that is not', () => {
    expect(problemsOf('portal', ['services.portal.kafka.enabled=true'])).toEqual([
      'KAFKA_BROKERS is rendered, but portal has no Kafka client (service.json: "kafka": false)',
      'KAFKA_SASL_MECHANISM is rendered, but portal has no Kafka client (service.json: "kafka": false)',
      'KAFKA_SASL_PASSWORD is rendered, but portal has no Kafka client (service.json: "kafka": false)',
      'KAFKA_SASL_USERNAME is rendered, but portal has no Kafka client (service.json: "kafka": false)',
    ]);
    expect(problemsOf('registry', ['services.registry.kafka.enabled=false'])).toEqual([
      'registry: kafka.brokers is ["127.0.0.1:19092"], expected ["backbone-kafka-bootstrap.kafka.svc:9092"]',
    ]);
  });

  it('fails replicated services that are missing, incomplete or pointed at another Service', () => {
    const withoutReplicated = (env: Record<string, string>): Record<string, string> =>
      Object.fromEntries(
        Object.entries(env).filter(([name]) => name !== 'PORTAL_REPLICATED_SERVICES'),
      );
    expect(problemsOf('portal', [], withoutReplicated)).toEqual([
      'PORTAL_REPLICATED_SERVICES is {replicatedServices} under npm start, but the chart does not set it (site.peerUrls)',
    ]);
    expect(
      problemsOf('embassy-sync', [], (env) => ({
        ...env,
        SYNC_SERVICES: (env['SYNC_SERVICES'] ?? '')
          .replace('audit=http://backbone-audit,', 'audit=http://backbone-consent,')
          .replace(/;registry=[^;]*/, ''),
      })),
    ).toEqual([
      'embassy-sync reaches audit on this site at http://backbone-consent, not its rendered Service',
      'SYNC_SERVICES lists audit, consent, letterbox, procedures; the services with an event store are audit, consent, letterbox, procedures, registry',
    ]);
  });

  it('fails a call pointed at another service than the one its variable names', () => {
    expect(
      problemsOf('portal', [], (env) => ({ ...env, AUDIT_URL: 'http://backbone-consent' })),
    ).toEqual([
      "AUDIT_URL=http://backbone-consent is not the audit service's URL",
      "AUDIT_URL=http://backbone-consent is not the rendered audit Service's URL",
    ]);
  });

  it('fails on a renamed variable, and on a service left at its local defaults', () => {
    const manifests = renderChart([SITE_VALUES.primary]);
    const registry = renderedContainers(manifests).find(
      (c) => c.workload === 'Deployment backbone-registry',
    );
    if (registry === undefined) throw new Error('registry not rendered');
    const { env } = processEnv(registry);
    const { KAFKA_BROKERS: brokers, ...rest } = env;
    const renamed = { ...rest, KAFKA_BROKER: brokers ?? '' };
    const [result] = probeConfigs([{ service: 'registry', env: renamed }]);
    if (result === undefined) throw new Error('no probe result');
    const problems = environmentProblems(registry, renamed, result, {
      siteRole: 'primary',
      replicationSource: 'embassy',
      kafkaBrokers: brokers ?? '',
      manifests,
      declarations,
    });
    expect(problems).toEqual([
      "KAFKA_BROKER is rendered, but registry's configuration schema does not read it",
      `registry: kafka.brokers is ["127.0.0.1:19092"], expected ${JSON.stringify([brokers])}`,
    ]);
  });
});

/** The portal's configuration as it parses its rendered environment on the primary. */
function portalConfig(set: readonly string[] = []): unknown {
  const manifests = renderChart([SITE_VALUES.primary], set);
  const portal = renderedContainers(manifests).find(
    (c) => c.workload === 'Deployment backbone-portal',
  );
  if (portal === undefined) throw new Error('portal not rendered');
  const [result] = probeConfigs([{ service: 'portal', env: processEnv(portal).env }]);
  if (result?.config === undefined) throw new Error(JSON.stringify(result?.issues));
  return result.config;
}

describe("the portal's sign-in, as the portal reads it", () => {
  it('is OpenID Connect in the site examples, at the issuer the services verify, with the mounted client secret', () => {
    expect(portalConfig()).toMatchObject({
      signIn: {
        kind: 'oidc',
        issuer: 'https://idp.gov.example',
        clientId: 'backbone-portal',
        clientSecretFile: '/var/run/secrets/backbone/portal-oidc-client-secret-file/client-secret',
        publicUrl: 'https://portal.gov.example',
        scopes: 'openid profile',
        resource: 'https://api.gov.example/backbone',
        roleClaim: 'role',
      },
      sessionSecret: { kind: 'value' },
      secureCookies: true,
    });
  });

  it('is local when a test deployment chooses it, minting tokens for the services', () => {
    const local = [
      'portal.signIn.oidc.enabled=false',
      'portal.signIn.local.enabled=true',
      'portal.signIn.local.signingKey.existingSecret=portal-signing-key',
    ];
    expect(portalConfig(local)).toMatchObject({
      signIn: {
        kind: 'local',
        signingKeyFile: '/var/run/secrets/backbone/portal-signing-key-file/private.jwk',
        issuer: 'https://idp.gov.example',
        audience: 'backbone',
      },
    });
    expect(problemsOf('portal', local)).toEqual([]);
  });

  it('fails OpenID Connect without the session key (the portal itself refuses it)', () => {
    expect(
      problemsOf('portal', [], (env) =>
        Object.fromEntries(
          Object.entries(env).filter(([name]) => name !== 'PORTAL_SESSION_SECRET'),
        ),
      ),
    ).toEqual([
      'portal rejects PORTAL_SESSION_SECRET: OpenID Connect sign-in needs PORTAL_SESSION_SECRET or PORTAL_SESSION_SECRET_FILE (every replica the same)',
    ]);
  });
});
