// `npm start`: the local platform on one machine, both sites. Starts (or reuses) the primary
// site's and the embassy's Kafka and PostgreSQL (two separate clusters, two separate servers),
// MirrorMaker 2 from the primary to the embassy, creates each service's database on each site,
// migrates, starts every service declared in services/*/service.json on both sites (the
// embassy's in replica role), with the environment each declares,
// waits until each answers GET /health/ready, and stops it all again on Ctrl-C (or, through
// watchdogs, when this process is killed outright). `EMBASSY=off` starts the primary alone.
import { join } from 'node:path';

import { cacheDir, startSite } from '@gov/platform-infra';
import type { LocalSite, MirrorMakerNode, RunningComponent } from '@gov/platform-infra';

import { portFromEnv } from './lib/env';
import { seedDemoData } from './lib/demo-data';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, localAuthEnv, localSigningKeys } from './lib/local-auth';
import {
  awaitReady,
  ensureDatabases,
  migrate,
  startMirror,
  startServiceProcess,
} from './lib/local-platform';
import type { ServiceProcess, SiteName } from './lib/local-platform';
import { requireNode24 } from './lib/node-version';
import { defaultDrillReportFile } from './lib/drill-report';
import { replicatedServicesValue, resolveServiceEnv } from './lib/service-declarations';
import { localServices, serviceDeclarations } from './lib/services';
import type { ServiceSpec } from './lib/services';

const log = (message: string): void => {
  process.stderr.write(`[start] ${message}\n`);
};

interface SiteDefinition {
  readonly name: SiteName;
  readonly ports: { kafka: number; kafkaController: number; postgres: number };
  readonly portVariables: { kafka: string; postgres: string };
}

function siteDefinitions(): SiteDefinition[] {
  const primary: SiteDefinition = {
    name: 'primary',
    ports: {
      kafka: portFromEnv('KAFKA_PORT', 19092),
      kafkaController: portFromEnv('KAFKA_CONTROLLER_PORT', 19093),
      postgres: portFromEnv('POSTGRES_PORT', 15432),
    },
    portVariables: { kafka: 'KAFKA_PORT', postgres: 'POSTGRES_PORT' },
  };
  const embassy: SiteDefinition = {
    name: 'embassy',
    ports: {
      kafka: portFromEnv('EMBASSY_KAFKA_PORT', 29092),
      kafkaController: portFromEnv('EMBASSY_KAFKA_CONTROLLER_PORT', 29093),
      postgres: portFromEnv('EMBASSY_POSTGRES_PORT', 25432),
    },
    portVariables: { kafka: 'EMBASSY_KAFKA_PORT', postgres: 'EMBASSY_POSTGRES_PORT' },
  };
  return process.env['EMBASSY'] === 'off' ? [primary] : [primary, embassy];
}

async function main(): Promise<void> {
  requireNode24();
  const definitions = siteDefinitions();
  for (const d of definitions) {
    log(
      `${d.name} site: Kafka 127.0.0.1:${d.ports.kafka}, PostgreSQL 127.0.0.1:${d.ports.postgres}` +
        (d.name === 'primary' ? ' (first start resolves the Kafka jars with Maven)' : ''),
    );
  }
  const sites = new Map<SiteName, LocalSite>();
  for (const d of definitions) {
    sites.set(
      d.name,
      await startSite({
        name: d.name,
        role: d.name,
        ports: d.ports,
        ownerPid: process.pid,
        portVariables: d.portVariables,
      }),
    );
  }
  const components: RunningComponent[] = [...sites.values()].flatMap((s) => [s.kafka, s.postgres]);
  for (const component of components) {
    log(
      `${component.name} ${component.startedHere ? 'started' : 'already running, reused'} (log: ${component.logFile})`,
    );
  }

  let mirror: MirrorMakerNode | undefined;
  const primarySite = sites.get('primary');
  const embassySite = sites.get('embassy');
  if (primarySite && embassySite) {
    log('MirrorMaker 2: primary -> embassy (internal event topics, exactly-once)');
    mirror = await startMirror(
      { name: 'primary', site: primarySite },
      { name: 'embassy', site: embassySite },
      join(cacheDir(), 'sites', 'embassy', 'mirror-maker'),
      process.pid,
    );
    components.push(mirror);
    log(
      `${mirror.name} ${mirror.startedHere ? 'started' : 'already running, reused'} (log: ${mirror.logFile})`,
    );
  }

  const keys = await localSigningKeys();
  const demoFile = join(cacheDir(), 'demo', 'identities.json');
  const values = {
    signingKeyFile: keys.privateKeyFile,
    demoFile,
    drillReport: defaultDrillReportFile(),
    checkpointKeyDir: join(cacheDir(), 'checkpoints'),
    replicatedServices: replicatedServicesValue(serviceDeclarations(), (service, site) => {
      const port = localServices(site).find((s) => s.name === service.name)?.port;
      return port === undefined ? undefined : `http://127.0.0.1:${String(port)}`;
    }),
  };
  const running: ServiceProcess[] = [];
  for (const [name, site] of sites) {
    const services = localServices(name);
    await ensureDatabases(site, services);
    const siteUrls = Object.fromEntries(
      services.map((spec) => [spec.name, `http://127.0.0.1:${String(spec.port)}`]),
    );
    const envOf = (spec: ServiceSpec) => ({
      ...localAuthEnv(keys),
      ...resolveServiceEnv(spec, values, siteUrls),
    });
    await Promise.all(services.map((spec) => migrate(site, name, spec, envOf(spec), log)));
    running.push(...services.map((spec) => startServiceProcess(site, name, spec, envOf(spec))));
  }

  let stopping = false;
  const shutdown = async (code: number): Promise<never> => {
    if (stopping) return new Promise<never>(() => undefined);
    stopping = true;
    log('stopping services');
    await Promise.all(running.map((service) => service.stop()));
    const ours = components.filter((c) => c.startedHere);
    if (ours.length > 0) log('stopping MirrorMaker 2, Kafka and PostgreSQL');
    if (mirror?.startedHere) await mirror.stop();
    await Promise.all(ours.filter((c) => c !== mirror).map((c) => c.stop()));
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  for (const service of running) {
    service.child.once('exit', (code, signal) => {
      if (stopping) return;
      log(
        `${service.site} ${service.spec.name} exited (${signal ?? `code ${String(code)}`}); stopping the platform`,
      );
      void shutdown(1);
    });
  }

  const readiness = await Promise.all(running.map((service) => awaitReady(service)));
  const notReady = running.filter((_, i) => !readiness[i]);
  if (notReady.length > 0) {
    log(`not ready after 90 s: ${notReady.map((s) => `${s.site} ${s.spec.name}`).join(', ')}`);
    await shutdown(1);
  }
  const primaryUrl = (name: string): string | undefined =>
    running.find((s) => s.site === 'primary' && s.spec.name === name)?.url;
  const registryUrl = primaryUrl('registry');
  const letterboxUrl = primaryUrl('letterbox');
  const consentUrl = primaryUrl('consent');
  if (registryUrl !== undefined && letterboxUrl !== undefined && consentUrl !== undefined) {
    try {
      const demo = await seedDemoData(
        { registry: registryUrl, letterbox: letterboxUrl, consent: consentUrl },
        { privateKeyFile: keys.privateKeyFile, issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE },
        demoFile,
        log,
      );
      log(`demo identities (portal sign-in): ${demo.identities.map((i) => i.name).join(', ')}`);
    } catch (error) {
      log(`demo data not seeded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  log('platform ready:');
  for (const service of running) {
    const role = service.site === 'embassy' ? ' (replica)' : '';
    log(
      `  ${`${service.site} ${service.spec.name}`.padEnd(22)} ${service.url}  (/health/ready, /openapi.json)${role}`,
    );
  }
  for (const [name, site] of sites) {
    log(`  ${`${name} kafka`.padEnd(22)} ${site.kafka.bootstrap}`);
    log(`  ${`${name} postgresql`.padEnd(22)} ${site.postgres.url()}`);
  }
  const portal = running.find((s) => s.site === 'primary' && s.spec.name === 'portal');
  if (portal !== undefined) log(`portal: ${portal.url} (sign in with a demo identity)`);
  log('tokens: npm run token -- citizen 1983081246785 (see README)');
  log('Ctrl-C stops everything that this command started.');
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
