// `npm run k8s:tools`: provisions into .cache/k8s/ everything the Kubernetes checks need (see
// tools/k8s/README.md). Idempotent: each step records what it built from (versions, inputs) in
// .cache/k8s/stamps/, and a step whose record matches and whose outputs exist does nothing.
// Every version comes from tools/k8s/versions.ts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { CommandError, run, secondsSince } from './lib/run';
import { paths, REPO_ROOT, tool } from './lib/paths';
import { CNPG_CRD_KINDS, writeCnpgCrds } from './lib/cnpg-crd';
import { crdSchemas, patchKubernetesSchema } from './lib/schemas';
import { loadYaml } from './lib/yaml';
import {
  ETCD,
  GO_ENV,
  HELM,
  HELM_UNITTEST,
  KUBE_APISERVER,
  KUBECONFORM,
  KUBERNETES,
  KUBERNETES_SCHEMAS,
  NPM_PACKAGES,
  STRIMZI,
} from './versions';

/** One provisioning step: what it makes, from what, and how. */
interface Step {
  readonly name: string;
  /** Everything the output depends on; a change rebuilds. */
  readonly inputs: unknown;
  /** Files or folders that must exist for the step to count as done. */
  readonly outputs: readonly string[];
  /** Builds the outputs; returns a short note for the summary line (a size, a count). */
  readonly build: () => string;
}

const goEnv = { ...process.env, ...GO_ENV };

/** The ldflags that make Helm (and helm-unittest, which embeds it) report Kubernetes 1.37. */
function helmLdflags(withVersion: boolean): string {
  const { major, minor } = KUBERNETES;
  return [
    '-s -w',
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${String(major)}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${String(minor)}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${String(major)}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${String(minor)}`,
    ...(withVersion ? [`-X helm.sh/helm/v3/internal/version.version=${HELM.version}`] : []),
  ].join(' ');
}

function mebibytes(file: string): string {
  return `${(statSync(file).size / 1024 / 1024).toFixed(0)} MiB`;
}

/** Size of a folder's files, recursively. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** A Go module that exists only to build another module's command with replaces. */
function writeWrapperModule(
  dir: string,
  requires: Readonly<Record<string, string>>,
  replaces: Readonly<Record<string, string>>,
): void {
  mkdirSync(dir, { recursive: true });
  const lines = [
    '// Written by tools/k8s/tools.ts: a wrapper that builds a command whose own go.mod',
    '// cannot be `go install`ed (replace directives).',
    'module backbone.local/k8s-tools/wrapper',
    '',
    'go 1.26.0',
    '',
    'require (',
    ...Object.entries(requires).map(([module, version]) => `\t${module} ${version}`),
    ')',
    '',
    'replace (',
    ...Object.entries(replaces).map(([from, to]) => `\t${from} => ${to}`),
    ')',
    '',
  ];
  writeFileSync(join(dir, 'go.mod'), lines.join('\n'));
}

/** The Strimzi kinds the manifests use or may use, and their model classes in `io.strimzi:api`. */
const STRIMZI_KINDS: Readonly<Record<string, string>> = {
  Kafka: 'kafka.Kafka',
  KafkaNodePool: 'nodepool.KafkaNodePool',
  KafkaTopic: 'topic.KafkaTopic',
  KafkaUser: 'user.KafkaUser',
  KafkaMirrorMaker2: 'mirrormaker2.KafkaMirrorMaker2',
  KafkaConnect: 'connect.KafkaConnect',
  KafkaConnector: 'connector.KafkaConnector',
  KafkaBridge: 'bridge.KafkaBridge',
  KafkaRebalance: 'rebalance.KafkaRebalance',
};

const steps: Step[] = [
  {
    name: 'npm packages',
    inputs: NPM_PACKAGES,
    outputs: Object.keys(NPM_PACKAGES).map((name) => join(paths.npm, 'node_modules', name)),
    build() {
      mkdirSync(paths.npm, { recursive: true });
      writeFileSync(
        join(paths.npm, 'package.json'),
        `${JSON.stringify({ name: 'k8s-check-packages', private: true, dependencies: NPM_PACKAGES }, null, 2)}\n`,
      );
      run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev'], {
        cwd: paths.npm,
      });
      return `${(folderBytes(join(paths.npm, 'node_modules')) / 1024 / 1024).toFixed(0)} MiB`;
    },
  },
  {
    name: 'cloudnative-pg crds',
    inputs: [
      NPM_PACKAGES['@kubernetes-models/cloudnative-pg'],
      readFileSync(join(__dirname, 'lib', 'cnpg-crd.ts'), 'utf8'),
      readFileSync(join(__dirname, 'lib', 'schemas.ts'), 'utf8'),
    ],
    outputs: [
      ...CNPG_CRD_KINDS.map(({ plural }) => join(paths.crds, 'cnpg', `${plural}.json`)),
      join(paths.crdSchemas, 'postgresql.cnpg.io'),
    ],
    build() {
      const out = join(paths.crds, 'cnpg');
      rmSync(out, { recursive: true, force: true });
      rmSync(join(paths.crdSchemas, 'postgresql.cnpg.io'), { recursive: true, force: true });
      const files = writeCnpgCrds(paths.npm, out);
      const schemaCount = writeCrdSchemas(out);
      return `${String(files.length)} CRDs derived from the models, ${String(schemaCount)} schemas`;
    },
  },
  {
    name: 'helm',
    inputs: [HELM, helmLdflags(true)],
    outputs: [tool('helm')],
    build() {
      run(
        'go',
        [
          'install',
          '-trimpath',
          '-ldflags',
          helmLdflags(true),
          `${HELM.module}/cmd/helm@${HELM.version}`,
        ],
        { env: { ...goEnv, GOBIN: paths.bin }, nice: true },
      );
      const version = run(tool('helm'), ['version', '--short']).trim();
      return `${version}, ${mebibytes(tool('helm'))}`;
    },
  },
  {
    name: 'helm-unittest',
    inputs: [HELM_UNITTEST, helmLdflags(false)],
    outputs: [tool('helm-unittest')],
    build() {
      const dir = join(paths.src, 'helm-unittest');
      writeWrapperModule(
        dir,
        { [HELM_UNITTEST.module]: HELM_UNITTEST.version },
        HELM_UNITTEST.replaces,
      );
      run(
        'go',
        [
          'build',
          '-mod=mod',
          '-trimpath',
          '-ldflags',
          helmLdflags(false),
          '-o',
          tool('helm-unittest'),
          `${HELM_UNITTEST.module}/cmd/helm-unittest`,
        ],
        { cwd: dir, env: goEnv, nice: true },
      );
      return mebibytes(tool('helm-unittest'));
    },
  },
  {
    name: 'kubeconform',
    inputs: KUBECONFORM,
    outputs: [tool('kubeconform')],
    build() {
      run(
        'go',
        [
          'install',
          '-trimpath',
          '-ldflags',
          '-s -w',
          `${KUBECONFORM.module}/cmd/kubeconform@${KUBECONFORM.version}`,
        ],
        { env: { ...goEnv, GOBIN: paths.bin }, nice: true },
      );
      return mebibytes(tool('kubeconform'));
    },
  },
  {
    name: 'kube-apiserver',
    inputs: KUBE_APISERVER,
    outputs: [tool('kube-apiserver')],
    build() {
      const { module, version } = KUBE_APISERVER;
      // The staging modules k8s.io/kubernetes requires at v0.0.0 are published as v0.<minor>.<patch>.
      const stagingVersion = version.replace(/^v1\./, 'v0.');
      const info = JSON.parse(
        run('go', ['mod', 'download', '-json', `${module}@${version}`], { env: goEnv }),
      ) as { GoMod: string };
      const staging = [
        ...readFileSync(info.GoMod, 'utf8').matchAll(/^\s+(k8s\.io\/[a-z0-9-]+) v0\.0\.0$/gm),
      ].map((match) => match[1] ?? '');
      const dir = join(paths.src, 'kube-apiserver');
      writeWrapperModule(
        dir,
        { [module]: version },
        Object.fromEntries(staging.map((name) => [`${name} v0.0.0`, `${name} ${stagingVersion}`])),
      );
      const versionFlags = [
        `-X k8s.io/component-base/version.gitVersion=${version}`,
        `-X k8s.io/component-base/version.gitMajor=${String(KUBERNETES.major)}`,
        `-X k8s.io/component-base/version.gitMinor=${String(KUBERNETES.minor)}`,
        '-X k8s.io/component-base/version.gitTreeState=clean',
      ];
      run(
        'go',
        [
          'build',
          '-mod=mod',
          '-trimpath',
          '-ldflags',
          ['-s -w', ...versionFlags].join(' '),
          '-o',
          tool('kube-apiserver'),
          `${module}/cmd/kube-apiserver`,
        ],
        { cwd: dir, env: goEnv, nice: true },
      );
      return `${String(staging.length)} staging modules replaced, ${mebibytes(tool('kube-apiserver'))}`;
    },
  },
  {
    name: 'etcd',
    inputs: ETCD,
    outputs: [tool('etcd')],
    build() {
      const dir = join(paths.src, 'etcd');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const pkg = `${ETCD.debian}=${ETCD.version}`;
      try {
        run('apt-get', ['download', pkg], { cwd: dir });
      } catch (error) {
        // A fresh machine may have no package lists yet.
        if (!(error instanceof CommandError)) throw error;
        run('apt-get', ['update', '-qq']);
        run('apt-get', ['download', pkg], { cwd: dir });
      }
      const deb = readdirSync(dir).find((name) => name.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
      run('dpkg-deb', ['-x', deb, 'root'], { cwd: dir });
      mkdirSync(paths.bin, { recursive: true });
      copyFileSync(join(dir, 'root', 'usr', 'bin', 'etcd'), tool('etcd'));
      const version = run(tool('etcd'), ['--version']).split('\n')[0] ?? '';
      return `${version.trim()}, ${mebibytes(tool('etcd'))}`;
    },
  },
  {
    name: 'kubernetes schemas',
    inputs: KUBERNETES_SCHEMAS,
    outputs: [
      join(
        paths.kubernetesSchemas,
        `${KUBERNETES_SCHEMAS.kubernetes}-local-strict`,
        '_definitions.json',
      ),
      join(paths.kubernetesSchemas, `${KUBERNETES_SCHEMAS.kubernetes}-local`, '_definitions.json'),
    ],
    build() {
      const dir = join(paths.src, 'kubernetes-validate');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      run('pip', [
        'download',
        '--no-deps',
        '--disable-pip-version-check',
        '-d',
        dir,
        `${KUBERNETES_SCHEMAS.pypi}==${KUBERNETES_SCHEMAS.version}`,
      ]);
      const wheel = readdirSync(dir).find((name) => name.endsWith('.whl'));
      if (!wheel) throw new Error(`pip left no wheel in ${dir}`);
      const inWheel = 'kubernetes_validate/kubernetes-json-schema';
      run(
        'unzip',
        ['-q', '-o', wheel, `${inWheel}/${KUBERNETES_SCHEMAS.kubernetes}-local*`, '-d', 'unpacked'],
        {
          cwd: dir,
        },
      );
      rmSync(paths.kubernetesSchemas, { recursive: true, force: true });
      let files = 0;
      for (const variant of ['local', 'local-strict']) {
        const folder = `${KUBERNETES_SCHEMAS.kubernetes}-${variant}`;
        const from = join(dir, 'unpacked', inWheel, folder);
        const to = join(paths.kubernetesSchemas, folder);
        mkdirSync(to, { recursive: true });
        for (const name of readdirSync(from)) {
          if (!name.endsWith('.json')) continue;
          const schema = JSON.parse(readFileSync(join(from, name), 'utf8')) as Parameters<
            typeof patchKubernetesSchema
          >[0];
          writeFileSync(join(to, name), JSON.stringify(patchKubernetesSchema(schema)));
          files += 1;
        }
      }
      rmSync(join(dir, 'unpacked'), { recursive: true, force: true });
      return `${String(files)} files, ${(folderBytes(paths.kubernetesSchemas) / 1024 / 1024).toFixed(0)} MiB`;
    },
  },
  {
    name: 'strimzi crds',
    inputs: [
      STRIMZI,
      readFileSync(join(__dirname, 'strimzi-pom.xml'), 'utf8'),
      STRIMZI_KINDS,
      readFileSync(join(__dirname, 'lib', 'schemas.ts'), 'utf8'),
    ],
    outputs: [join(paths.crds, 'strimzi'), join(paths.crdSchemas, 'kafka.strimzi.io')],
    build() {
      const libs = join(paths.src, 'strimzi', STRIMZI.version, 'libs');
      rmSync(libs, { recursive: true, force: true });
      run('mvn', [
        '-q',
        '-B',
        '-f',
        join(__dirname, 'strimzi-pom.xml'),
        `-Dstrimzi.version=${STRIMZI.version}`,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${libs}`,
      ]);
      const out = join(paths.crds, 'strimzi');
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const v = STRIMZI.apiVersion;
      run(join(STRIMZI.javaHome, 'bin', 'java'), [
        '-cp',
        `${libs}/*`,
        'io.strimzi.crdgenerator.CrdGenerator',
        '--crd-api-version',
        'v1',
        '--api-versions',
        v,
        '--storage-version',
        v,
        '--yaml',
        ...Object.entries(STRIMZI_KINDS).map(
          ([kind, className]) =>
            `io.strimzi.api.kafka.model.${className}=${join(out, `${kind.toLowerCase()}.yaml`)}`,
        ),
      ]);
      const schemaCount = writeCrdSchemas(out);
      return `${String(Object.keys(STRIMZI_KINDS).length)} CRDs, ${String(schemaCount)} schemas`;
    },
  },
];

/** Writes the kubeconform schemas of every CRD file in `dir`; returns how many. */
function writeCrdSchemas(dir: string): number {
  let count = 0;
  for (const name of readdirSync(dir).filter((file) => /\.(ya?ml|json)$/.test(file))) {
    for (const crd of loadYaml(readFileSync(join(dir, name), 'utf8'))) {
      for (const { group, kind, version, schema } of crdSchemas(
        crd as Parameters<typeof crdSchemas>[0],
      )) {
        const folder = join(paths.crdSchemas, group);
        mkdirSync(folder, { recursive: true });
        writeFileSync(join(folder, `${kind}_${version}.json`), JSON.stringify(schema));
        count += 1;
      }
    }
  }
  return count;
}

function stampFile(step: Step): string {
  return join(paths.stamps, `${step.name.replace(/\s+/g, '-')}.json`);
}

function inputsKey(step: Step): string {
  return createHash('sha256').update(JSON.stringify(step.inputs)).digest('hex');
}

function isDone(step: Step): boolean {
  const file = stampFile(step);
  if (!existsSync(file) || !step.outputs.every((output) => existsSync(output))) return false;
  const stamp = JSON.parse(readFileSync(file, 'utf8')) as { key?: string };
  return stamp.key === inputsKey(step);
}

/** What the steps run, by the machine's PATH; missing ones are named all at once. */
function checkPrerequisites(): void {
  const missing = ['go', 'npm', 'mvn', 'pip', 'unzip', 'apt-get', 'dpkg-deb', 'kubectl'].filter(
    (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0,
  );
  if (!existsSync(join(STRIMZI.javaHome, 'bin', 'java')))
    missing.push(`Java 21+ at ${STRIMZI.javaHome}`);
  if (missing.length > 0) {
    throw new Error(
      `missing on this machine: ${missing.join(', ')} (kubectl only for npm run k8s:check)`,
    );
  }
}

function main(): void {
  checkPrerequisites();
  const only = process.argv.slice(2);
  const selected = only.length === 0 ? steps : steps.filter((step) => only.includes(step.name));
  if (selected.length === 0) {
    throw new Error(
      `no such step: ${only.join(', ')}; steps: ${steps.map((s) => s.name).join(', ')}`,
    );
  }
  mkdirSync(paths.stamps, { recursive: true });
  const width = Math.max(...steps.map((step) => step.name.length));
  const start = performance.now();
  let built = 0;
  for (const step of selected) {
    const label = step.name.padEnd(width);
    const stepStart = performance.now();
    if (isDone(step)) {
      process.stdout.write(`${label}  up to date (${secondsSince(stepStart)})\n`);
      continue;
    }
    process.stdout.write(`${label}  building...`);
    const note = step.build();
    const took = secondsSince(stepStart);
    writeFileSync(
      stampFile(step),
      `${JSON.stringify({ key: inputsKey(step), inputs: step.inputs, took, note }, null, 2)}\n`,
    );
    process.stdout.write(` done in ${took}: ${note}\n`);
    built += 1;
  }
  process.stdout.write(
    built === 0
      ? `k8s tools: nothing to do, everything in ${paths.bin.replace(`${REPO_ROOT}/`, '')} is up to date (${secondsSince(start)})\n`
      : `k8s tools: ${String(built)} of ${String(selected.length)} steps built in ${secondsSince(start)}\n`,
  );
}

try {
  main();
} catch (error) {
  process.stdout.write('\n');
  process.stderr.write(
    `k8s:tools failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
