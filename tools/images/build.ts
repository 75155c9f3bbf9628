// `npm run images:build [-- --service <name>] [--tag <tag>]`: builds the backbone image from
// the repository's Dockerfile without a Docker engine. The two Debian bases come from
// mmdebstrap (cached under .cache/images/), buildah builds the Dockerfile (chroot isolation:
// its default runtime fails on this machine's cgroups), and skopeo copies the result to an OCI
// archive under .cache/images/ that `skopeo copy` or `podman load` take anywhere. Prints sizes
// and timings. With --service, an image of that one service only (for comparison; see
// docs/operations/images.md for why the default is one image for all).
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { ensureBase } from './lib/bases';
import { run, secondsSince, tryRun } from './lib/exec';
import { defaultTag, imageName, imagesCacheDir } from './lib/names';
import { ensureContainerTools } from './lib/tools';

const root = resolve(__dirname, '..', '..');

/** The build host's CA bundle, passed to the build as a secret (a TLS-inspecting proxy's CA). */
function hostCaBundle(): string | undefined {
  const candidates = [process.env['NODE_EXTRA_CA_CERTS'], '/etc/ssl/certs/ca-certificates.crt'];
  return candidates.find((file) => file !== undefined && existsSync(file));
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function main(): void {
  const { values } = parseArgs({
    options: { service: { type: 'string' }, tag: { type: 'string' } },
  });
  const log = (message: string): void => {
    process.stdout.write(`[images] ${message}\n`);
  };
  const started = performance.now();
  // Before anything else: the tag names the sources as they are when the build starts.
  const tag = values.tag ?? defaultTag(root);
  ensureContainerTools(log);
  const cache = imagesCacheDir(root);

  let step = performance.now();
  const bases = [ensureBase('builder', cache), ensureBase('runtime', cache)];
  for (const base of bases) {
    log(
      `${base.kind} base ${base.image}: ${megabytes(base.bytes)} tar (${base.built ? 'built' : 'cached'})`,
    );
  }
  const [builder, runtime] = bases;
  log(`bases: ${secondsSince(step)} s`);

  const image = imageName(values.service, tag);
  step = performance.now();
  const ca = hostCaBundle();
  run(
    'nice',
    [
      '-n',
      '19',
      'buildah',
      'bud',
      '--isolation',
      'chroot',
      '--layers',
      '--force-rm',
      '--build-arg',
      `BUILDER_BASE=${builder?.image ?? ''}`,
      '--build-arg',
      `RUNTIME_BASE=${runtime?.image ?? ''}`,
      '--build-arg',
      `SERVICES=${values.service ?? ''}`,
      ...(ca ? ['--secret', `id=ca,src=${ca}`] : []),
      '--label',
      `org.opencontainers.image.revision=${tag}`,
      '--label',
      'org.opencontainers.image.source=backbone',
      '--tag',
      image,
      '--file',
      join(root, 'Dockerfile'),
      root,
    ],
    { inherit: true },
  );
  log(`build: ${secondsSince(step)} s`);

  step = performance.now();
  const archive = join(cache, `${image.replace(/^localhost\//, '').replace(/[/:]/g, '_')}.oci.tar`);
  run('skopeo', [
    'copy',
    '--quiet',
    `containers-storage:${image}`,
    `oci-archive:${archive}:${image}`,
  ]);
  log(`archive: ${secondsSince(step)} s`);

  const size = Number(run('podman', ['image', 'inspect', '--format', '{{.Size}}', image]).trim());
  const layers = tryRun('podman', ['history', '--format', '{{.Size}}\t{{.CreatedBy}}', image]);
  log(
    `image ${image}: ${megabytes(size)} unpacked, ${megabytes(statSync(archive).size)} as ${archive}`,
  );
  if (layers !== undefined) {
    for (const line of layers.trim().split('\n')) {
      const [layerSize, createdBy] = line.split('\t');
      log(`  ${(layerSize ?? '').padStart(10)}  ${(createdBy ?? '').slice(0, 100)}`);
    }
  }
  log(`total: ${secondsSince(started)} s`);
}

main();
