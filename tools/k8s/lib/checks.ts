import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

import ts from 'typescript';

import type { ApiServer } from './api-server';
import { paths, REPO_ROOT, tool } from './paths';
import { dumpYaml, loadYaml } from './yaml';
import { KUBERNETES_SCHEMAS } from '../versions';

/** One object a check refused, and why. */
export interface Rejection {
  readonly check: 'kubeconform' | 'cloudnative-pg' | 'api-server';
  readonly file: string;
  /** `Kind name`, when the check names it. */
  readonly resource: string;
  readonly message: string;
}

/** A Kubernetes object as the manifests hold it. */
interface Manifest {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown };
  readonly [key: string]: unknown;
}

/** A file's objects, read once. */
export interface ManifestFile {
  readonly file: string;
  readonly objects: readonly Manifest[];
}

/** CloudNativePG's API group: its own CRD cannot be had offline (FACTS); see cnpg-crd.ts. */
const CNPG_GROUP = 'postgresql.cnpg.io/';

function isCnpg(object: Manifest): boolean {
  return typeof object.apiVersion === 'string' && object.apiVersion.startsWith(CNPG_GROUP);
}

function describe(object: Manifest): string {
  return `${String(object.kind)} ${String(object.metadata?.name)}`;
}

/** Every `*.yaml`/`*.yml` under `dir`, sorted. */
export function manifestFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

export function readManifests(files: readonly string[]): ManifestFile[] {
  return files.map((file) => ({
    file,
    objects: loadYaml(readFileSync(file, 'utf8')) as Manifest[],
  }));
}

/** Where the chart's output for one site was written, or why it was not. */
export interface RenderedSite {
  readonly site: string;
  readonly file?: string;
  readonly skipped?: string;
}

/**
 * Hook for the chart (`charts/backbone`, built in parallel to `k8s/`): renders it for both sites
 * with the site's values file, so that the same checks cover it. Until the chart exists, says
 * so and renders nothing.
 *
 * @throws when `helm template` fails: a chart that does not render is an error.
 */
export function renderChart(outDir: string): RenderedSite[] {
  if (!existsSync(join(paths.chart, 'Chart.yaml'))) {
    return ['primary', 'embassy'].map((site) => ({
      site,
      skipped: `no chart at ${relative(REPO_ROOT, paths.chart)}/Chart.yaml yet`,
    }));
  }
  mkdirSync(outDir, { recursive: true });
  return ['primary', 'embassy'].map((site) => {
    const values = join(paths.chart, `values-${site}.yaml`);
    if (!existsSync(values)) {
      return { site, skipped: `no ${relative(REPO_ROOT, values)}` };
    }
    const result = spawnSync(
      tool('helm'),
      ['template', 'backbone', paths.chart, '--namespace', 'backbone', '-f', values],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.status !== 0) {
      throw new Error(`helm template for ${site} failed:\n${result.stderr}`);
    }
    const file = join(outDir, `chart-${site}.yaml`);
    writeFileSync(file, result.stdout);
    return { site, file };
  });
}

/**
 * kubeconform in strict mode over `files`, offline: the patched Kubernetes schemas, and the
 * schemas of Strimzi's CRDs and of the CloudNativePG CRDs derived from its models, from
 * `npm run k8s:tools`. A kind without a schema is an error.
 */
export function kubeconform(files: readonly string[]): Rejection[] {
  const result = spawnSync(
    tool('kubeconform'),
    [
      '-strict',
      '-output',
      'json',
      '-kubernetes-version',
      KUBERNETES_SCHEMAS.kubernetes.replace(/^v/, ''),
      '-schema-location',
      `${paths.kubernetesSchemas}/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json`,
      '-schema-location',
      `${paths.crdSchemas}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
      ...files,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error) throw result.error;
  const report = JSON.parse(result.stdout) as {
    resources?: { filename: string; kind: string; name: string; status: string; msg: string }[];
  };
  const rejections = (report.resources ?? [])
    .filter((resource) => resource.status === 'statusInvalid' || resource.status === 'statusError')
    .map((resource) => ({
      check: 'kubeconform' as const,
      file: resource.filename,
      resource: `${resource.kind} ${resource.name}`,
      message: resource.msg,
    }));
  if (result.status !== 0 && rejections.length === 0) {
    throw new Error(`kubeconform exited with ${String(result.status)}: ${result.stderr}`);
  }
  return rejections;
}

/**
 * The models' run-time validation of each object: an error message, or null when valid. In a
 * child process because the package is ES modules only (`import` exports), which this
 * CommonJS code, and Jest's module system around it, cannot load.
 */
function validateWithModels(objects: readonly Manifest[]): (string | null)[] {
  const script = `
    const objects = JSON.parse(await new Promise((resolve) => {
      let input = '';
      process.stdin.on('data', (chunk) => { input += chunk; }).on('end', () => resolve(input));
    }));
    const results = [];
    for (const object of objects) {
      const models = await import('@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/' + object.kind);
      try {
        new models[object.kind](object).validate();
        results.push(null);
      } catch (error) {
        results.push(String(error && error.message ? error.message : error));
      }
    }
    process.stdout.write(JSON.stringify(results));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: paths.npm,
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`CloudNativePG models could not run (npm run k8s:tools?): ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as (string | null)[];
}

/** The CloudNativePG kinds the manifests use: model module and TypeScript interface. */
const CNPG_KINDS: Readonly<Record<string, string>> = { Cluster: 'ICluster', Database: 'IDatabase' };

/**
 * CloudNativePG objects by their typed models, beyond what the CRD derived from them checks
 * (formats, integers, patterns; the first error of each object):
 * 1. the typed models of `@kubernetes-models/cloudnative-pg` (generated from CloudNativePG's Go
 *    API) validate types, enums and required fields at run time, but let unknown fields pass;
 * 2. so each object is also type-checked as a TypeScript object literal of the model's
 *    interface, whose excess-property check rejects an unknown field at any depth.
 */
export function checkCloudNativePg(manifests: readonly ManifestFile[]): Rejection[] {
  const objects = manifests.flatMap(({ file, objects }) =>
    objects.filter(isCnpg).map((object) => ({ file, object })),
  );
  if (objects.length === 0) return [];
  const rejections: Rejection[] = [];

  const checkable = objects.filter(({ file, object }) => {
    const kind = String(object.kind);
    if (kind in CNPG_KINDS && object.apiVersion === `${CNPG_GROUP}v1`) return true;
    rejections.push({
      check: 'cloudnative-pg',
      file,
      resource: describe(object),
      message: `not checked: only ${Object.keys(CNPG_KINDS).join(', ')} of ${CNPG_GROUP}v1 are`,
    });
    return false;
  });
  validateWithModels(checkable.map(({ object }) => object)).forEach((message, index) => {
    const checked = checkable[index];
    if (message !== null && checked) {
      rejections.push({
        check: 'cloudnative-pg',
        file: checked.file,
        resource: describe(checked.object),
        message,
      });
    }
  });

  // One program for all objects: a constant per object, typed with its model's interface.
  const dir = join(paths.npm, `typecheck-${String(process.pid)}`);
  mkdirSync(dir, { recursive: true });
  const source = join(dir, 'manifests.ts');
  const lines: string[] = [];
  const owners: { line: number; file: string; resource: string }[] = [];
  for (const kind of Object.keys(CNPG_KINDS)) {
    lines.push(
      `import type { ${CNPG_KINDS[kind] ?? ''} } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/${kind}';`,
    );
  }
  checkable.forEach(({ file, object }, index) => {
    const kind = String(object.kind);
    const type = CNPG_KINDS[kind];
    if (!type) return;
    owners.push({ line: lines.length, file, resource: describe(object) });
    const literal = JSON.stringify(object, null, 2).split('\n');
    lines.push(
      `export const object${String(index)}: ${type} = ${literal[0] ?? ''}`,
      ...literal.slice(1),
    );
  });
  writeFileSync(source, `${lines.join('\n')}\n`);
  try {
    const program = ts.createProgram([source], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      types: [],
    });
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const line =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line
          : -1;
      const owner = [...owners].reverse().find((candidate) => candidate.line <= line);
      if (!owner) throw new Error(`CloudNativePG type check could not run: ${message}`);
      const field = diagnostic.file?.text
        .split('\n')
        [line]?.trim()
        .replace(/[:,].*$/, '');
      rejections.push({
        check: 'cloudnative-pg',
        file: owner.file,
        resource: owner.resource,
        message: `${field ? `at ${field}: ` : ''}${message}`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rejections;
}

/** The namespaces the objects name (they must exist before a dry run of what is in them). */
function namespacesOf(manifests: readonly ManifestFile[]): string[] {
  const names = new Set<string>();
  for (const { objects } of manifests) {
    for (const object of objects) {
      const metadata = object.metadata;
      if (object.kind === 'Namespace' && typeof metadata?.name === 'string')
        names.add(metadata.name);
      if (typeof metadata?.namespace === 'string') names.add(metadata.namespace);
    }
  }
  return [...names].sort();
}

/**
 * Prepares a bare API server for the dry runs: applies the CRDs from `npm run k8s:tools`
 * (Strimzi's, and CloudNativePG's derived from its models) and waits until they are served,
 * and creates the namespaces the manifests use with their `default` ServiceAccount (no
 * controller manager creates it).
 */
export function prepareApiServer(server: ApiServer, manifests: readonly ManifestFile[]): void {
  const crdFiles = readdirSync(paths.crds, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ya?ml|json)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
  for (const file of crdFiles) {
    const applied = server.kubectl(['apply', '--server-side', '-f', file]);
    if (applied.status !== 0) throw new Error(`applying ${basename(file)}: ${applied.stderr}`);
  }
  const established = server.kubectl([
    'wait',
    '--for=condition=Established',
    'crd',
    '--all',
    '--timeout=60s',
  ]);
  if (established.status !== 0) throw new Error(`CRDs not established: ${established.stderr}`);
  for (const namespace of ['backbone', ...namespacesOf(manifests)]) {
    server.kubectl(['create', 'namespace', namespace]);
    server.kubectl(['-n', namespace, 'create', 'serviceaccount', 'default']);
  }
}

/**
 * `kubectl apply --dry-run=server` of every object (strict field validation, kubectl's
 * default), file by file, objects without a namespace in the kubeconfig's: the API server
 * decodes, defaults, validates against the built-in types and the CRDs' schemas, and runs
 * admission, without storing anything.
 */
export function apiServerDryRun(
  server: ApiServer,
  manifests: readonly ManifestFile[],
  workDir: string,
): { rejections: Rejection[]; applied: number } {
  mkdirSync(workDir, { recursive: true });
  const rejections: Rejection[] = [];
  let applied = 0;
  let count = 0;
  const dryRun = (objects: readonly Manifest[]) => {
    count += 1;
    const copy = join(workDir, `${String(count)}.yaml`);
    writeFileSync(copy, objects.map((object) => dumpYaml(object)).join('---\n'));
    const result = server.kubectl(['apply', '--dry-run=server', '-f', copy]);
    const errors = result.stderr
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('Warning:'));
    return { copy, status: result.status, errors };
  };
  for (const { file, objects } of manifests) {
    const served = objects;
    if (served.length === 0) continue;
    // A file at once; only when something in it is refused, object by object, since a
    // decoding error names the file but not the object.
    const whole = dryRun(served);
    if (whole.status === 0 && whole.errors.length === 0) {
      applied += served.length;
      continue;
    }
    for (const object of served) {
      const { copy, status, errors } = dryRun([object]);
      if (status === 0 && errors.length === 0) {
        applied += 1;
        continue;
      }
      rejections.push({
        check: 'api-server',
        file,
        resource: describe(object),
        message:
          errors
            .join(' ')
            // kubectl names the copy as given or relative to the working directory.
            .replaceAll(relative(process.cwd(), copy), relative(REPO_ROOT, file))
            .replaceAll(copy, relative(REPO_ROOT, file)) || `kubectl exited with ${String(status)}`,
      });
    }
  }
  return { rejections, applied };
}
