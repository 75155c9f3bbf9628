// Two throw-away sites on free loopback ports, linked by MirrorMaker 2, with any declared
// service (services/*/service.json) started on either: the failover drill's platform, the
// embassy e2e tests' and the lag benchmark's.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys } from '@gov/platform-auth';
import { freePort, startSite } from '@gov/platform-infra';
import type { LocalSite, MirrorMakerNode } from '@gov/platform-infra';

import { registerPersonBody } from '../../bench/lib/persons';
import { DrillStepError, ServiceClient, httpCall } from './drill-client';
import {
  awaitReady,
  ensureDatabases,
  migrate,
  startMirror,
  startServiceProcess,
} from './local-platform';
import type { ServiceProcess, SiteName } from './local-platform';
import { replicatedServicesValue, resolveServiceEnv, startOrder } from './service-declarations';
import { localServices, serviceDeclarations } from './services';
import type { ServiceSpec } from './services';

export const ISSUER = 'backbone-two-sites';
export const AUDIENCE = 'backbone';

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value; fails with `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DrillStepError(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Events per second, rounded. */
export function rate(count: number, ms: number): number {
  return ms <= 0 ? 0 : Math.round((count / ms) * 1000);
}

/** Options of {@link TwoSites.start}. */
export interface TwoSitesOptions {
  /** Progress messages. */
  readonly log: (message: string) => void;
  /** Keep the working folder after `stop()` (for a post-mortem). */
  readonly keep?: boolean;
  /** Durable PostgreSQL (fsync on), as in production; the drill wants it, tests may not. */
  readonly durable?: boolean;
}

/** A service process on one site, with a client for its routes. */
export interface SiteService {
  readonly spec: ServiceSpec;
  readonly process: ServiceProcess;
  readonly client: ServiceClient;
  readonly logFile: string;
}

/** Options of {@link TwoSites.startService}. */
export interface StartServiceOptions {
  /**
   * Another database than the service's own (a second instance beside the first on the same
   * site); such an instance is not what other services are wired to.
   */
  readonly database?: string;
  /** Variables on top of the site's and the declaration's. */
  readonly env?: Record<string, string>;
  /** The port to listen on (a free one by default). */
  readonly port?: number;
  /**
   * URLs of services started alongside, by name, on top of those already running on the
   * site: a service is given its peers' URLs, whether or not they are ready yet.
   */
  readonly peers?: Readonly<Record<string, string>>;
  /**
   * Whether to wait until it answers `/health/ready` (the default). Without, it resolves once
   * the process is spawned: a test that must catch its start-up (a replay under way) watches
   * it itself.
   */
  readonly awaitReady?: boolean;
}

/**
 * Two sites (separate Kafka clusters, separate PostgreSQL servers) in a temporary folder,
 * MirrorMaker 2 from the primary to the embassy, and local signing keys with which tokens of
 * any role are minted. Everything is stopped when this process exits, even by SIGKILL
 * (watchdogs), or by {@link stop}.
 */
export class TwoSites {
  readonly services: ServiceProcess[] = [];
  /** The last instance started on each site, per service, with its own database. */
  private readonly started = new Map<string, Partial<Record<SiteName, SiteService>>>();
  mirror: MirrorMakerNode | undefined;
  /** MirrorMaker 2 the other way, embassy → primary, for failback. */
  reverseMirror: MirrorMakerNode | undefined;
  private mirrorDir: string;

  private constructor(
    readonly dir: string,
    readonly primary: LocalSite,
    readonly embassy: LocalSite,
    readonly keys: LocalSigningKeys,
    private readonly options: TwoSitesOptions,
  ) {
    this.mirrorDir = join(dir, 'mirror-maker');
  }

  /**
   * Where a drill's report would be for the services started here (`drillReport`): the portal's
   * console shows the file; a test writes one there.
   */
  get drillReportFile(): string {
    return join(this.dir, 'drill', 'last-report.json');
  }

  static async start(options: TwoSitesOptions): Promise<TwoSites> {
    const dir = mkdtempSync(join(tmpdir(), 'backbone-sites-'));
    // mkdtemp creates the folder 0700; PostgreSQL may run as another user and must traverse it.
    chmodSync(dir, 0o755);
    const ports = async () => ({
      kafka: await freePort(),
      kafkaController: await freePort(),
      postgres: await freePort(),
    });
    const started = await Promise.allSettled(
      (['primary', 'embassy'] as const).map(async (name) =>
        startSite({
          name,
          role: name,
          dir: join(dir, name),
          ports: await ports(),
          ownerPid: process.pid,
          durable: options.durable ?? true,
        }),
      ),
    );
    const [primary, embassy] = started;
    if (primary?.status !== 'fulfilled' || embassy?.status !== 'fulfilled') {
      for (const site of started) if (site.status === 'fulfilled') await site.value.stop();
      rmSync(dir, { recursive: true, force: true });
      const failed = started.find((s) => s.status === 'rejected');
      throw failed?.reason ?? new Error('the sites did not start');
    }
    options.log(
      `sites up: primary Kafka ${primary.value.kafka.bootstrap} PostgreSQL :${primary.value.postgres.port}; ` +
        `embassy Kafka ${embassy.value.kafka.bootstrap} PostgreSQL :${embassy.value.postgres.port}`,
    );
    const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
    const sites = new TwoSites(dir, primary.value, embassy.value, keys, options);
    try {
      await sites.startMirror();
    } catch (error) {
      await sites.stop();
      throw error;
    }
    return sites;
  }

  /** Where demo identities are written when a test seeds them (the portal offers them). */
  get demoFile(): string {
    return join(this.dir, 'demo', 'identities.json');
  }

  site(name: SiteName): LocalSite {
    return name === 'primary' ? this.primary : this.embassy;
  }

  /** The environment every service of these sites gets to verify tokens. */
  get authEnv(): Record<string, string> {
    return {
      AUTH_JWKS_FILE: this.keys.jwksFile,
      DATA_KEK_FILE: this.keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
    };
  }

  /**
   * A token of `role` (registrars may write persons, businesses and vehicles). `nationalId` is a
   * registrar's own number; for an agency, the third argument is its organisation.
   */
  token(
    role: 'operator' | 'registrar' | 'citizen' | 'agency',
    subject: string,
    nationalIdOrOrganisation?: string,
  ): Promise<string> {
    const third = nationalIdOrOrganisation;
    return mintToken(this.keys.privateKeyFile, {
      role,
      subject,
      ...(role === 'registrar' ? { registers: ['persons', 'businesses', 'vehicles'] } : {}),
      ...(third === undefined
        ? {}
        : role === 'agency'
          ? { organisationId: third }
          : { nationalId: third }),
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '2h',
    });
  }

  /** Starts (again) MirrorMaker 2, primary → embassy; it continues from its committed offsets. */
  async startMirror(): Promise<MirrorMakerNode> {
    this.options.log('starting MirrorMaker 2 (primary -> embassy, exactly-once)');
    this.mirror = await startMirror(
      { name: 'primary', site: this.primary },
      { name: 'embassy', site: this.embassy },
      this.mirrorDir,
      process.pid,
    );
    return this.mirror;
  }

  /** Starts MirrorMaker 2 embassy → primary (failback): `embassy.<topic>` on the primary. */
  async startReverseMirror(): Promise<MirrorMakerNode> {
    this.options.log('starting MirrorMaker 2 (embassy -> primary, exactly-once)');
    this.reverseMirror = await startMirror(
      { name: 'embassy', site: this.embassy },
      { name: 'primary', site: this.primary },
      join(this.dir, 'mirror-maker-reverse'),
      process.pid,
    );
    return this.reverseMirror;
  }

  /** Stops MirrorMaker 2: the link between the sites is cut. */
  async stopMirror(): Promise<void> {
    await this.mirror?.stop();
    this.mirror = undefined;
  }

  /**
   * Migrates (if it has a database) and starts the declared service `name` on `siteName` on a
   * free port, with the environment its declaration asks for (`replicatedServices`: the
   * services with an event store already started here on both sites), and waits until it is
   * ready.
   */
  async startService(
    siteName: SiteName,
    name: string,
    options: StartServiceOptions = {},
  ): Promise<SiteService> {
    const site = this.site(siteName);
    const declared = localServices(siteName).find((s) => s.name === name);
    if (!declared) throw new Error(`no service "${name}" is declared in services/`);
    const spec: ServiceSpec = {
      ...declared,
      port: options.port ?? (await freePort()),
      ...(declared.database && options.database !== undefined
        ? { database: { ...declared.database, name: options.database } }
        : {}),
    };
    const values = {
      signingKeyFile: this.keys.privateKeyFile,
      demoFile: this.demoFile,
      checkpointKeyDir: join(this.dir, 'checkpoints'),
      drillReport: this.drillReportFile,
      replicatedServices: replicatedServicesValue(
        serviceDeclarations(),
        (service, at) => this.started.get(service.name)?.[at]?.process.url,
      ),
    };
    // Services started before this one on the same site, by name ({url:<service>}).
    const siteUrls = {
      ...Object.fromEntries(
        [...this.started].flatMap(([name, at]) => {
          const url = at[siteName]?.process.url;
          return url === undefined ? [] : [[name, url]];
        }),
      ),
      ...options.peers,
    };
    const env = {
      ...this.authEnv,
      // The drill and the journeys load a site with one registrar token, as fast as it takes
      // it: the per-principal rate limit (tested on its own) would throttle the load itself.
      RATE_LIMIT_PER_MINUTE: '0',
      ...resolveServiceEnv(spec, values, siteUrls),
      ...options.env,
    };
    await ensureDatabases(site, [spec]);
    await migrate(site, siteName, spec, env, this.options.log);
    const running = await this.launch(siteName, spec, env, options.awaitReady ?? true);
    const started: SiteService = {
      spec,
      process: running.process,
      client: new ServiceClient(running.process.url, await this.token('operator', 'two-sites')),
      logFile: running.logFile,
    };
    if (options.database === undefined) {
      this.started.set(name, { ...this.started.get(name), [siteName]: started });
    }
    return started;
  }

  /** Starts every declared service with an event store on `siteName` ({@link startServices}). */
  startReplicated(siteName: SiteName): Promise<SiteService[]> {
    return this.startServices(
      siteName,
      serviceDeclarations()
        .filter((s) => s.eventStore !== undefined)
        .map((s) => s.name),
    );
  }

  /**
   * Starts the declared services `names` on `siteName` side by side, as `npm start` does: each
   * is given the others' URLs (their ports are chosen first), and none needs another to be
   * ready to start. Their migrations and start-ups, mostly loading TypeScript, overlap: about
   * half the time of one after the other on two cores. Resolves in `startOrder` once all are
   * ready.
   */
  async startServices(siteName: SiteName, names: readonly string[]): Promise<SiteService[]> {
    const ordered = startOrder(serviceDeclarations()).filter((s) => names.includes(s.name));
    const ports = new Map<string, number>();
    for (const service of ordered) ports.set(service.name, await freePort());
    const peers = Object.fromEntries(
      [...ports].map(([name, port]) => [name, `http://127.0.0.1:${String(port)}`]),
    );
    const results = await Promise.allSettled(
      ordered.map((service) =>
        this.startService(siteName, service.name, { port: ports.get(service.name), peers }),
      ),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }

  private async launch(
    siteName: SiteName,
    service: ServiceSpec,
    env: Record<string, string>,
    ready: boolean,
  ): Promise<{ process: ServiceProcess; logFile: string }> {
    const logFile = join(this.dir, `${siteName}-${service.name}-${service.port}.log`);
    const running = startServiceProcess(
      this.site(siteName),
      siteName,
      service,
      { ...env, LOG_LEVEL: 'warn' },
      logFile,
    );
    this.services.push(running);
    if (ready && !(await awaitReady(running))) {
      const tail = existsSync(logFile)
        ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')
        : '';
      throw new DrillStepError(
        `the ${siteName} ${service.name} did not become ready (log: ${logFile}):\n${tail}`,
      );
    }
    return { process: running, logFile };
  }

  /** Stops everything started here and removes the folder (unless `keep`). */
  async stop(): Promise<void> {
    await Promise.allSettled(this.services.map((s) => s.stop()));
    await this.mirror?.stop().catch(() => undefined);
    await this.reverseMirror?.stop().catch(() => undefined);
    await Promise.allSettled([this.primary.stop(), this.embassy.stop()]);
    if (this.options.keep !== true) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What {@link load} registered. */
export interface LoadResult {
  /** National identification numbers, in the order their registrations were acknowledged. */
  readonly registered: string[];
  readonly failures: number;
  readonly ms: number;
}

/**
 * Registers persons #first... from `concurrency` workers, until `count` are registered or
 * `done()` says stop: one per POST /persons, or `batch` per POST /persons/batch. Gives up after
 * more than 10 failures (unless stopped).
 */
export async function load(
  client: ServiceClient,
  token: string,
  runId: string,
  options: {
    readonly concurrency: number;
    readonly count: number;
    readonly first?: number;
    /** Persons per request (1: POST /persons). */
    readonly batch?: number;
    readonly done?: () => boolean;
    readonly progress?: (registered: number, perSecond: number) => void;
  },
): Promise<LoadResult> {
  const first = options.first ?? 0;
  const batch = options.batch ?? 1;
  const done = options.done ?? (() => false);
  const registered: string[] = [];
  let next = first;
  let failures = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < first + options.count && !done()) {
      const index = next;
      const size = Math.min(batch, first + options.count - index);
      next += size;
      try {
        if (size === 1) {
          registered.push(
            await client.registerPerson(token, `${runId}-${index}`, registerPersonBody(index)),
          );
        } else {
          const bodies = Array.from({ length: size }, (_, k) => registerPersonBody(index + k));
          registered.push(...(await client.registerPersons(token, `${runId}-b${index}`, bodies)));
        }
      } catch (error) {
        if (done()) return;
        failures += 1;
        if (failures > 10) throw error;
      }
      options.progress?.(registered.length, rate(registered.length, performance.now() - started));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { registered, failures, ms: performance.now() - started };
}

/** What {@link loadAccesses} did. */
export interface AccessesLoaded {
  readonly consents: number;
  /** Agency reads of person records, each one access entry in the audit log. */
  readonly reads: number;
}

/** The purpose of the drill's consents: no legal basis of ccss covers it. */
const CONSENTED_PURPOSE = 'housing-subsidy-assessment';

/**
 * Reuse of personal data through the public APIs, so that the consent and audit logs have
 * events to replay and compare: each of `persons` grants ccss a consent (consent service), and
 * ccss reads the person's record twice through the registry, once on that consent, once on its
 * legal basis for family allowances; each read is one entry of the audit log.
 */
export async function loadAccesses(
  clients: { readonly registry: ServiceClient; readonly consent: ServiceClient },
  tokens: {
    readonly agency: string;
    readonly citizen: (nationalId: string) => Promise<string>;
  },
  persons: readonly string[],
  runId: string,
): Promise<AccessesLoaded> {
  const validUntil = new Date(Date.now() + 30 * 86_400_000).toISOString();
  for (const [index, nationalId] of persons.entries()) {
    await clients.consent.grantConsent(
      await tokens.citizen(nationalId),
      `${runId}-consent-${index}`,
      {
        organisationId: 'ccss',
        categories: ['persons.family_name', 'persons.address'],
        purpose: CONSENTED_PURPOSE,
        validUntil,
      },
    );
    await clients.registry.readPersonAsAgency(tokens.agency, nationalId, CONSENTED_PURPOSE);
    await clients.registry.readPersonAsAgency(
      tokens.agency,
      nationalId,
      'family-allowance-eligibility',
    );
  }
  return { consents: persons.length, reads: persons.length * 2 };
}

/** What {@link loadCorrections} did. */
export interface CorrectionsLoaded {
  readonly requested: number;
  readonly accepted: number;
  readonly rejected: number;
}

/**
 * Correction requests through the public API, so that the corrections read model has rows to
 * compare between sites: each of the first `count` persons asks to correct their given names;
 * a registrar accepts one in three, rejects one in three and leaves the rest pending.
 */
export async function loadCorrections(
  client: ServiceClient,
  tokens: {
    readonly registrar: string;
    readonly citizen: (nationalId: string) => Promise<string>;
  },
  persons: readonly string[],
  runId: string,
  count: number,
): Promise<CorrectionsLoaded> {
  let accepted = 0;
  let rejected = 0;
  const chosen = persons.slice(0, count);
  for (const [index, nationalId] of chosen.entries()) {
    const correctionId = await client.requestCorrection(
      await tokens.citizen(nationalId),
      `${runId}-correction-${index}`,
      {
        target: {
          register: 'persons',
          recordId: nationalId,
          correction: { field: 'givenNames', value: `Corrected ${index}` },
        },
        justification: 'My birth certificate spells my given names otherwise.',
      },
    );
    if (index % 3 === 0) {
      await client.decideCorrection(tokens.registrar, correctionId, 'accept');
      accepted += 1;
    } else if (index % 3 === 1) {
      await client.decideCorrection(tokens.registrar, correctionId, 'reject');
      rejected += 1;
    }
  }
  return { requested: chosen.length, accepted, rejected };
}

/** What {@link loadVehicles} did. */
export interface VehiclesLoaded {
  readonly registered: number;
  readonly transferred: number;
  readonly deregistered: number;
}

/**
 * Vehicles through the registry's public API, so that the drill compares the third register's
 * streams on both sites too: one vehicle for each of `persons` (`DR0000`, `DR0001`, …); every
 * second one then changes hands to the next person, every fifth is deregistered. One event per
 * call.
 */
export async function loadVehicles(
  registry: ServiceClient,
  registrar: string,
  persons: readonly string[],
  runId: string,
): Promise<VehiclesLoaded> {
  let transferred = 0;
  let deregistered = 0;
  const url = (path: string) => `${registry.baseUrl}/vehicles${path}`;
  for (const [index, nationalId] of persons.entries()) {
    const number = `DR${String(index).padStart(4, '0')}`;
    await httpCall('POST', url(''), registrar, {
      expected: [201],
      idempotencyKey: `${runId}-vehicle-${index}`,
      body: {
        registrationNumber: number,
        owner: { kind: 'person', nationalId },
        make: 'Renault',
        model: index % 2 === 0 ? 'Zoe' : 'Clio',
        firstRegistration: '2020-06-15',
      },
    });
    const next = persons[(index + 1) % persons.length];
    if (index % 2 === 0 && next !== undefined && next !== nationalId) {
      await httpCall('PUT', url(`/${number}/owner`), registrar, {
        body: { owner: { kind: 'person', nationalId: next } },
      });
      transferred += 1;
    }
    if (index % 5 === 0) {
      await httpCall('POST', url(`/${number}/deregistration`), registrar, {
        body: { effectiveDate: '2026-01-15', ground: 'scrapped' },
      });
      deregistered += 1;
    }
  }
  return { registered: persons.length, transferred, deregistered };
}

/** What {@link loadLetters} did. */
export interface LettersLoaded {
  readonly letters: number;
  /** Their documents' bytes, in all. */
  readonly bytes: number;
}

/**
 * Letters delivered through the letterbox's public API, so that its log, its letters read model
 * and its documents have something to replay, mirror and compare: one 100 KiB PDF to each of
 * `persons`, and one of 2 MiB (over the 1 MiB that Kafka and MirrorMaker 2 take by default, so
 * that a mirror not set up for documents shows as missing bytes on the embassy).
 */
export async function loadLetters(
  letterbox: ServiceClient,
  agency: string,
  persons: readonly string[],
  runId: string,
): Promise<LettersLoaded> {
  let bytes = 0;
  const sizes = persons.map((_, index) => (index === 0 ? 2 * 1024 * 1024 : 100 * 1024));
  for (const [index, nationalId] of persons.entries()) {
    const content = Buffer.alloc(sizes[index] ?? 0, 0x20);
    content.write(`%PDF-1.7\n% ${runId} letter ${index}\n`);
    const response = await fetch(`${letterbox.baseUrl}/letters`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${agency}`,
        'content-type': 'application/json',
        'idempotency-key': `${runId}-letter-${index}`,
      },
      body: JSON.stringify({
        recipient: { kind: 'person', id: nationalId },
        subject: `Drill letter ${index}`,
        contentType: 'application/pdf',
        content: content.toString('base64'),
        retentionDays: 365,
        receiptRequested: false,
      }),
    });
    if (response.status !== 201) {
      throw new DrillStepError(`the letterbox answered ${response.status} to a delivery`);
    }
    bytes += content.length;
  }
  return { letters: persons.length, bytes };
}

/** A site's documents digest (`GET /documents/digest` of the letterbox). */
export interface DocumentsDigest {
  readonly documents: number;
  readonly bytes: number;
  readonly digest: string;
  readonly missing: number;
}

/** The letterbox's documents digest on one site. */
export async function documentsDigest(
  letterbox: ServiceClient,
  operator: string,
): Promise<DocumentsDigest> {
  const response = await fetch(`${letterbox.baseUrl}/documents/digest`, {
    headers: { authorization: `Bearer ${operator}` },
  });
  if (response.status !== 200) {
    throw new DrillStepError(`the letterbox answered ${response.status} to its documents digest`);
  }
  return (await response.json()) as DocumentsDigest;
}
