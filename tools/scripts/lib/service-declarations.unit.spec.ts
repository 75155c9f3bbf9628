import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '@gov/platform-infra';

import {
  ServiceDeclarationError,
  loadServiceDeclarations,
  replicatedServicesValue,
  resolveServiceEnv,
  startOrder,
} from './service-declarations';
import type { ServiceDeclaration } from './service-declarations';

describe('service declarations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'services-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A service folder with its entries and a declaration (an object, or raw text). */
  function service(name: string, declaration: unknown, files = ['src/main.ts']): void {
    for (const file of files) {
      mkdirSync(join(dir, name, 'src'), { recursive: true });
      writeFileSync(join(dir, name, file), '');
    }
    writeFileSync(
      join(dir, name, 'service.json'),
      typeof declaration === 'string' ? declaration : JSON.stringify(declaration),
    );
  }
  const minimal = (name: string, primary: number) => ({
    name,
    main: 'src/main.ts',
    ports: { primary, embassy: primary + 1000 },
  });

  it('reads the repository’s own: the registry has an event store, embassy-sync none', () => {
    const services = loadServiceDeclarations(join(repoRoot(), 'services'));
    const registry = services.find((s) => s.name === 'registry');
    expect(registry).toMatchObject({
      ports: { primary: 3001, embassy: 4001 },
      database: { name: 'registry' },
      eventStore: { schema: 'registry', topic: 'registry.events.v1' },
    });
    expect(registry?.database?.migrate).toBe(
      join(repoRoot(), 'services', 'registry', 'src', 'migrate.ts'),
    );
    const sync = services.find((s) => s.name === 'embassy-sync');
    expect(sync).toMatchObject({ ports: { primary: 3006, embassy: 4006 } });
    expect(sync?.database).toBeUndefined();
    expect(sync?.eventStore).toBeUndefined();
    expect(sync?.kafka).toBe(true);
    const portal = services.find((s) => s.name === 'portal');
    expect([portal?.kafka, portal?.database]).toEqual([false, undefined]);
  });

  it('gives the repository’s portal the drill’s report file for its console', () => {
    const portal = loadServiceDeclarations(join(repoRoot(), 'services')).find(
      (s) => s.name === 'portal',
    );
    if (!portal) throw new Error('no portal declared');
    expect(
      resolveServiceEnv(portal, { drillReport: '/sites/drill/last-report.json' }),
    ).toMatchObject({ PORTAL_DRILL_REPORT_FILE: '/sites/drill/last-report.json' });
    expect(resolveServiceEnv(portal, {})).not.toHaveProperty('PORTAL_DRILL_REPORT_FILE');
  });

  it('lists declared folders by name, skips folders without a declaration', () => {
    service('zeta', minimal('zeta', 3009));
    service(
      'alpha',
      {
        ...minimal('alpha', 3008),
        database: { migrate: 'src/migrate.ts' },
        eventStore: { schema: 'alpha', topic: 'alpha.events.v1' },
      },
      ['src/main.ts', 'src/migrate.ts'],
    );
    mkdirSync(join(dir, 'not-a-service'));
    const services = loadServiceDeclarations(dir);
    expect(services.map((s) => s.name)).toEqual(['alpha', 'zeta']);
    expect(services[0]).toMatchObject({
      main: join(dir, 'alpha', 'src', 'main.ts'),
      database: { name: 'alpha', migrate: join(dir, 'alpha', 'src', 'migrate.ts') },
      kafka: true,
      env: {},
    });
  });

  it.each([
    ['invalid JSON', '{ "name": ', /alpha[/\\]service\.json: not valid JSON/],
    ['a missing field', { name: 'alpha', main: 'src/main.ts' }, /service\.json: ports: /],
    [
      'an unknown field (a typo)',
      { ...minimal('alpha', 3001), evenStore: {} },
      /service\.json: \(root\): Unrecognized key.*evenStore/,
    ],
    [
      'an event store without a database',
      { ...minimal('alpha', 3001), eventStore: { schema: 'alpha', topic: 'alpha.events.v1' } },
      /eventStore: an event store needs a database/,
    ],
    [
      'an event store without Kafka',
      {
        ...minimal('alpha', 3001),
        database: { migrate: 'src/main.ts' },
        eventStore: { schema: 'alpha', topic: 'alpha.events.v1' },
        kafka: false,
      },
      /kafka: an event store is relayed to Kafka/,
    ],
    [
      'a topic that is not an events topic',
      {
        ...minimal('alpha', 3001),
        database: { migrate: 'src/main.ts' },
        eventStore: { schema: 'alpha', topic: 'alpha' },
      },
      /eventStore\.topic: <service>\.events\.v<N>/,
    ],
    [
      'another name than the folder’s',
      minimal('beta', 3001),
      /name "beta" is not the folder's name "alpha"/,
    ],
    [
      'an entry that does not exist',
      { ...minimal('alpha', 3001), main: 'src/server.ts' },
      /main src\/server\.ts does not exist/,
    ],
    [
      'an entry outside the folder',
      { ...minimal('alpha', 3001), main: '../beta/src/main.ts' },
      /main: must stay inside the service folder/,
    ],
    [
      'the same port on both sites',
      { ...minimal('alpha', 3001), ports: { primary: 3001, embassy: 3001 } },
      /ports: the primary and the embassy need different ports/,
    ],
    [
      'an unknown placeholder',
      { ...minimal('alpha', 3001), env: { KEY_FILE: '{signingKey}' } },
      /env\.KEY_FILE: unknown placeholder \{signingKey\}; known: \{signingKeyFile\}/,
    ],
  ])('rejects %s with an error naming the file and the problem', (_, declaration, message) => {
    service('alpha', declaration);
    expect(() => loadServiceDeclarations(dir)).toThrow(ServiceDeclarationError);
    expect(() => loadServiceDeclarations(dir)).toThrow(message);
  });

  it('rejects a port two services declare', () => {
    service('alpha', minimal('alpha', 3001));
    service('beta', { ...minimal('beta', 3002), ports: { primary: 3002, embassy: 4001 } });
    expect(() => loadServiceDeclarations(dir)).toThrow(
      /beta[/\\]service\.json: ports\.embassy 4001 is already alpha's/,
    );
  });

  it('fills the env templates, and leaves out a variable whose value is not known', () => {
    service('alpha', {
      ...minimal('alpha', 3001),
      env: {
        KEYS: '{checkpointKeyDir}/keys',
        WATCHED: '{replicatedServices}',
        FIXED: 'yes',
      },
    });
    const [alpha] = loadServiceDeclarations(dir);
    if (!alpha) throw new Error('not loaded');
    expect(resolveServiceEnv(alpha, { checkpointKeyDir: '/tmp/cp' })).toEqual({
      KEYS: '/tmp/cp/keys',
      FIXED: 'yes',
    });
  });

  it('fills {url:<service>} with that service’s URL on the same site, and drops it when absent', () => {
    service('alpha', {
      ...minimal('alpha', 3001),
      env: { CONSENT_URL: '{url:consent}', AUDIT: '{url:audit}/v1' },
    });
    const [alpha] = loadServiceDeclarations(dir);
    if (!alpha) throw new Error('not loaded');
    expect(resolveServiceEnv(alpha, {}, { consent: 'http://127.0.0.1:3003' })).toEqual({
      CONSENT_URL: 'http://127.0.0.1:3003',
    });
  });

  it('lists the services with an event store and a URL on both sites as replicatedServices', () => {
    const withStore = (name: string, port: number) => {
      service(name, {
        ...minimal(name, port),
        database: { migrate: 'src/main.ts' },
        eventStore: { schema: name, topic: `${name}.events.v1` },
      });
    };
    withStore('alpha', 3001);
    withStore('beta', 3002);
    service('gamma', minimal('gamma', 3003));
    const services = loadServiceDeclarations(dir);
    const url = (s: { name: string }, site: 'primary' | 'embassy') =>
      s.name === 'beta' && site === 'embassy' ? undefined : `http://${s.name}.${site}`;
    expect(replicatedServicesValue(services, url)).toBe(
      'alpha=http://alpha.primary,http://alpha.embassy',
    );
    expect(replicatedServicesValue(services, () => undefined)).toBeUndefined();
  });
});

describe('startOrder', () => {
  const declared = (name: string, env: Record<string, string> = {}): ServiceDeclaration => ({
    name,
    dir: `/services/${name}`,
    main: `/services/${name}/src/main.ts`,
    ports: { primary: 3000, embassy: 4000 },
    kafka: true,
    env,
  });
  const names = (services: readonly ServiceDeclaration[]) =>
    startOrder(services).map((s) => s.name);

  it('starts a service after those whose URLs it names, by name otherwise', () => {
    const services = [
      declared('audit'),
      declared('consent'),
      declared('letterbox'),
      declared('procedures', {
        REGISTRY_URL: '{url:registry}',
        CONSENT_URL: '{url:consent}',
        LETTERBOX_URL: '{url:letterbox}',
      }),
      declared('registry', { CONSENT_URL: '{url:consent}' }),
    ];

    expect(names(services)).toEqual(['audit', 'consent', 'letterbox', 'registry', 'procedures']);
  });

  it('orders the repository’s own services so that procedures comes after the registry', () => {
    const order = startOrder(loadServiceDeclarations(join(repoRoot(), 'services'))).map(
      (s) => s.name,
    );

    expect(order.indexOf('procedures')).toBeGreaterThan(order.indexOf('registry'));
    expect(order.indexOf('registry')).toBeGreaterThan(order.indexOf('consent'));
    expect([...order].sort()).toEqual(
      loadServiceDeclarations(join(repoRoot(), 'services'))
        .map((s) => s.name)
        .sort(),
    );
  });

  it('ignores a URL of a service that is not in the list, and a service naming itself', () => {
    expect(names([declared('b', { X: '{url:nowhere}', SELF: '{url:b}' }), declared('a')])).toEqual([
      'a',
      'b',
    ]);
  });

  it('refuses a cycle, naming it', () => {
    const cycle = [
      declared('a', { B_URL: '{url:b}' }),
      declared('b', { C_URL: '{url:c}' }),
      declared('c', { A_URL: '{url:a}' }),
    ];

    expect(() => startOrder(cycle)).toThrow(ServiceDeclarationError);
    expect(() => startOrder(cycle)).toThrow('a -> b -> c -> a');
  });
});
