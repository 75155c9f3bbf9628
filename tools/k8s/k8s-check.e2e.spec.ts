// The checks of `npm run k8s:check` against the real k8s/ and against copies with deliberate
// errors: each check must pass the first and reject every error it is meant to catch in the
// second. Runs `npm run k8s:tools` first (the binaries, schemas and CRDs in .cache/k8s).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startApiServer } from './lib/api-server';
import type { ApiServer } from './lib/api-server';
import {
  apiServerDryRun,
  checkCloudNativePg,
  kubeconform,
  manifestFiles,
  prepareApiServer,
  readManifests,
} from './lib/checks';
import type { Rejection } from './lib/checks';
import { paths, REPO_ROOT, tool } from './lib/paths';
import { dumpYaml, loadYaml } from './lib/yaml';

type Doc = { kind: string; metadata: { name: string }; spec: Record<string, unknown> };

/** The first object of `kind` in a k8s/ file, as a fresh copy. */
function objectOf(file: string, kind: string): Doc {
  const found = (loadYaml(readFileSync(join(paths.manifests, file), 'utf8')) as Doc[]).find(
    (doc) => doc.kind === kind,
  );
  if (!found) throw new Error(`no ${kind} in k8s/${file}`);
  return structuredClone(found);
}

function named(doc: Doc, name: string): Doc {
  return { ...doc, metadata: { ...doc.metadata, name } };
}

/** `Kind name: message` per rejection, for readable failures. */
function lines(rejections: readonly Rejection[]): string[] {
  return rejections.map((rejection) => `${rejection.resource}: ${rejection.message}`);
}

describe('k8s:check', () => {
  let server: ApiServer;
  let work: string;
  const real = manifestFiles(paths.manifests);

  beforeAll(async () => {
    // What `npm run k8s:tools` provisions; a no-op (under a second) when CI ran it already, a
    // build of about ten minutes on a machine that never did.
    const provisioned = spawnSync(
      process.execPath,
      ['--require', '@swc-node/register', join(__dirname, 'tools.ts')],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    if (provisioned.status !== 0) {
      throw new Error(`npm run k8s:tools failed:\n${provisioned.stdout}\n${provisioned.stderr}`);
    }
    for (const binary of ['kubeconform', 'etcd', 'kube-apiserver'] as const) {
      if (!existsSync(tool(binary))) throw new Error(`${tool(binary)} missing after k8s:tools`);
    }
    work = mkdtempSync(join(tmpdir(), 'k8s-check-spec-'));
    server = await startApiServer({ namespace: 'backbone' });
    prepareApiServer(server, readManifests(real));
  }, 1_200_000);

  afterAll(async () => {
    // Undefined when beforeAll failed before the start.
    await (server as ApiServer | undefined)?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('passes the manifests in k8s/ as they are', () => {
    const manifests = readManifests(real);
    expect(manifests.length).toBeGreaterThan(5);
    expect(lines(kubeconform(real))).toEqual([]);
    expect(lines(checkCloudNativePg(manifests))).toEqual([]);
    const dryRun = apiServerDryRun(server, manifests, join(work, 'real'));
    expect(lines(dryRun.rejections)).toEqual([]);
    expect(dryRun.applied).toBe(manifests.flatMap((file) => file.objects).length);
  });

  describe('with an unknown field and a wrong type', () => {
    let broken: string;

    beforeAll(() => {
      // Unknown fields and wrong types in a built-in kind, in Strimzi's and in CloudNativePG's.
      const pool = objectOf('common/kafka.yaml', 'KafkaNodePool');
      const topic = objectOf('common/topics.yaml', 'KafkaTopic');
      const policy = objectOf('common/network-policies.yaml', 'NetworkPolicy');
      const cluster = objectOf('common/postgres.yaml', 'Cluster');
      const docs = [
        named({ ...pool, spec: { ...pool.spec, replicaz: 3 } }, 'pool-replicaz'),
        named({ ...topic, spec: { ...topic.spec, partitions: 'six' } }, 'topic-partitions-string'),
        named({ ...policy, spec: { ...policy.spec, replicaz: 3 } }, 'policy-replicaz'),
        named(
          { ...policy, spec: { ...policy.spec, policyTypes: 'Ingress' } },
          'policy-types-string',
        ),
        named({ ...cluster, spec: { ...cluster.spec, replicaz: 3 } }, 'pg-replicaz'),
        named({ ...cluster, spec: { ...cluster.spec, instances: 'three' } }, 'pg-instances-string'),
      ];
      broken = join(work, 'broken.yaml');
      writeFileSync(broken, docs.map((doc) => dumpYaml(doc)).join('---\n'));
    });

    it('kubeconform rejects both in built-in, Strimzi and CloudNativePG kinds', () => {
      const rejected = lines(kubeconform([broken]));
      expect(rejected).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^KafkaNodePool pool-replicaz: .*additional properties 'replicaz' not allowed/,
          ),
          expect.stringMatching(
            /^KafkaTopic topic-partitions-string: .*'\/spec\/partitions': got string, want integer/,
          ),
          expect.stringMatching(
            /^NetworkPolicy policy-replicaz: .*additional properties 'replicaz' not allowed/,
          ),
          expect.stringMatching(
            /^NetworkPolicy policy-types-string: .*'\/spec\/policyTypes': got string, want null or array/,
          ),
          expect.stringMatching(
            /^Cluster pg-replicaz: .*additional properties 'replicaz' not allowed/,
          ),
          expect.stringMatching(
            /^Cluster pg-instances-string: .*'\/spec\/instances': got string, want number/,
          ),
        ]),
      );
      expect(rejected).toHaveLength(6);
    });

    it('the CloudNativePG check rejects both', () => {
      const rejected = lines(checkCloudNativePg(readManifests([broken])));
      expect(rejected).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^Cluster pg-replicaz: at "replicaz": Object literal may only specify known properties/,
          ),
          expect.stringMatching(
            /^Cluster pg-instances-string: data\/spec\/instances must be integer/,
          ),
          expect.stringMatching(
            /^Cluster pg-instances-string: at "instances": Type 'string' is not assignable to type 'number'/,
          ),
        ]),
      );
      expect(rejected).toHaveLength(3);
    });

    it('the API server rejects both in built-in, Strimzi and CloudNativePG kinds', () => {
      const { rejections, applied } = apiServerDryRun(
        server,
        readManifests([broken]),
        join(work, 'broken'),
      );
      const rejected = lines(rejections);
      expect(rejected).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/pool-replicaz.*unknown field "spec\.replicaz"/),
          expect.stringMatching(
            /topic-partitions-string.*spec\.partitions.*must be of type integer/,
          ),
          expect.stringMatching(/policy-replicaz.*unknown field "spec\.replicaz"/),
          expect.stringMatching(/policy-types-string.*policyTypes/),
          expect.stringMatching(/pg-replicaz.*unknown field "spec\.replicaz"/),
          expect.stringMatching(/pg-instances-string.*spec\.instances.*must be of type number/),
        ]),
      );
      expect(rejected).toHaveLength(6);
      expect(applied).toBe(0);
    });
  });
});
