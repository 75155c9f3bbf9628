// `npm run k8s:check`: every file in k8s/ (and the chart rendered for both sites, once
// charts/backbone exists) through
//   1. kubeconform, strict, against the offline Kubernetes, Strimzi and CloudNativePG schemas;
//   2. CloudNativePG's typed models (types at run time, unknown fields by TypeScript);
//   3. a real API server (etcd + kube-apiserver on loopback ports, Strimzi's CRDs and those
//      derived from CloudNativePG's models applied):
//      `kubectl apply --dry-run=server`.
// Prints every rejection and the time of each stage; exits 1 if anything was rejected. Needs
// `npm run k8s:tools` first. Stops what it started, also on failure or Ctrl-C.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { startApiServer } from './lib/api-server';
import {
  apiServerDryRun,
  checkCloudNativePg,
  kubeconform,
  manifestFiles,
  prepareApiServer,
  readManifests,
  renderChart,
} from './lib/checks';
import type { Rejection } from './lib/checks';
import { paths, REPO_ROOT } from './lib/paths';
import { secondsSince } from './lib/run';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function report(stage: string, rejections: readonly Rejection[], start: number, note = ''): void {
  out(
    `${stage.padEnd(16)} ${rejections.length === 0 ? 'ok' : `${String(rejections.length)} rejected`}${note} (${secondsSince(start)})`,
  );
  for (const rejection of rejections) {
    out(`  ${relative(REPO_ROOT, rejection.file)}: ${rejection.resource}: ${rejection.message}`);
  }
}

async function main(): Promise<number> {
  const total = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'k8s-check-files-'));
  // Also on Ctrl-C, which ends the process (once the API server stopped) without `finally`.
  const removeWork = (): void => {
    rmSync(work, { recursive: true, force: true });
  };
  process.once('exit', removeWork);
  try {
    let start = performance.now();
    const rendered = renderChart(join(work, 'chart'));
    for (const site of rendered) {
      out(
        site.file
          ? `chart            rendered for ${site.site}`
          : `chart            not checked for ${site.site}: ${site.skipped ?? ''}`,
      );
    }
    const files = [
      ...manifestFiles(paths.manifests),
      ...rendered.flatMap((site) => (site.file ? [site.file] : [])),
    ];
    const manifests = readManifests(files);
    const objects = manifests.reduce((sum, file) => sum + file.objects.length, 0);
    out(
      `manifests        ${String(objects)} objects in ${String(files.length)} files (${secondsSince(start)})`,
    );

    start = performance.now();
    const schema = kubeconform(files);
    report('kubeconform', schema, start);

    start = performance.now();
    const cnpg = checkCloudNativePg(manifests);
    report('cloudnative-pg', cnpg, start);

    start = performance.now();
    const server = await startApiServer({ namespace: 'backbone' });
    let dryRun: ReturnType<typeof apiServerDryRun>;
    try {
      out(`api server       ready (${secondsSince(start)})`);
      start = performance.now();
      prepareApiServer(server, manifests);
      dryRun = apiServerDryRun(server, manifests, join(work, 'dry-run'));
    } finally {
      await server.stop();
    }
    report(
      'dry-run=server',
      dryRun.rejections,
      start,
      `: ${String(dryRun.applied)} objects admitted`,
    );

    const rejected = schema.length + cnpg.length + dryRun.rejections.length;
    out(
      `k8s check: ${rejected === 0 ? 'passed' : `${String(rejected)} rejections`} in ${secondsSince(total)}`,
    );
    return rejected === 0 ? 0 : 1;
  } finally {
    removeWork();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `k8s:check failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
