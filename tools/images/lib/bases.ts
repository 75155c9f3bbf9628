// The two base images the Dockerfile builds on, made from Debian's packages by mmdebstrap (no
// registry pull), cached as root filesystem tars under `.cache/images/` and imported into the
// local containers-storage under a name that carries a hash of the recipe, so a changed recipe
// makes a new base and an unchanged one costs nothing.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { run, tryRun } from './exec';

/** A base image: its recipe and where the Dockerfile finds it. */
export interface BaseImage {
  readonly kind: 'builder' | 'runtime';
  /** `localhost/backbone/<kind>-base:<recipe hash>` */
  readonly image: string;
  readonly tar: string;
  /** Whether this run made the tar (false: taken from the cache). */
  readonly built: boolean;
  readonly bytes: number;
}

/** The Debian suite both bases come from: the one the machines' apt uses. */
const SUITE = 'bookworm';

/** Documentation, manuals and translations: never read in a container. */
const EXCLUDES = [
  '/usr/share/doc/*',
  '/usr/share/man/*',
  '/usr/share/info/*',
  '/usr/share/locale/*',
]
  .map((path) => `--dpkgopt=path-exclude=${path}`)
  .concat(['--dpkgopt=path-include=/usr/share/doc/*/copyright']);

/**
 * The runtime base is `--variant=extract`: packages unpacked, no maintainer script run, so no
 * shell and no package manager. An extract hook, because that variant runs no customize hook
 * (mmdebstrap skips it silently). The hook does what the skipped scripts and a user database
 * would: the CA bundle from the package's own Mozilla roots (never the build host's bundle,
 * which may hold a proxy's CA), a non-root user 10001, then removes the executables and
 * libraries that came only as dependencies (openssl, libssl3, debconf, mawk; Node links OpenSSL
 * statically). The variant leaves /var/lib/dpkg/status empty: the hook writes the entries of
 * the packages that remain, from their .deb control files, so that image scanners see them.
 */
const RUNTIME_HOOK = [
  'set -eu',
  'r="$1"',
  'mkdir -p "$r/etc/ssl/certs" "$r/tmp" "$r/app"',
  'cat "$r"/usr/share/ca-certificates/mozilla/*.crt > "$r/etc/ssl/certs/ca-certificates.crt"',
  'chmod 1777 "$r/tmp"',
  'printf "root:x:0:0:root:/root:/usr/sbin/nologin\\nbackbone:x:10001:10001:backbone:/nonexistent:/usr/sbin/nologin\\n" > "$r/etc/passwd"',
  'printf "root:x:0:\\nbackbone:x:10001:\\n" > "$r/etc/group"',
  'for d in "$r"/var/cache/apt/archives/*.deb; do p=$(dpkg-deb -f "$d" Package); case "$p" in debconf|libssl3|mawk|openssl) continue ;; esac; { printf "Package: %s\\nStatus: install ok installed\\n" "$p"; dpkg-deb -f "$d" | grep -v "^Package:"; echo; } >> "$r/var/lib/dpkg/status"; done',
  'rm -rf "$r"/usr/bin/* "$r"/usr/sbin/* "$r"/bin/* "$r"/sbin/* "$r"/usr/share/debconf "$r"/usr/share/perl5 "$r"/usr/lib/x86_64-linux-gnu/gconv "$r"/usr/lib/x86_64-linux-gnu/ossl-modules "$r"/usr/lib/x86_64-linux-gnu/engines-3 "$r"/usr/lib/x86_64-linux-gnu/libssl.so.3 "$r"/usr/lib/x86_64-linux-gnu/libcrypto.so.3',
].join('; ');

function mmdebstrapArgs(kind: BaseImage['kind'], output: string): string[] {
  const common = ['--mode=root', '--format=tar', '--skip=output/dev', ...EXCLUDES];
  if (kind === 'runtime') {
    return [
      '--variant=extract',
      '--include=libc6,libgcc-s1,libstdc++6,tzdata,ca-certificates,base-files,netbase',
      ...common,
      `--extract-hook=${RUNTIME_HOOK}`,
      SUITE,
      output,
    ];
  }
  return [
    '--variant=minbase',
    '--include=ca-certificates,curl,libstdc++6',
    '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
    ...common,
    SUITE,
    output,
  ];
}

/**
 * Makes (or takes from the cache) the base `kind` and makes sure containers-storage holds it.
 * The tar's name carries the recipe's hash, and so does the image's tag.
 */
export function ensureBase(kind: BaseImage['kind'], cacheDir: string): BaseImage {
  mkdirSync(cacheDir, { recursive: true });
  const recipe = mmdebstrapArgs(kind, '-').join('\n');
  const hash = createHash('sha256').update(recipe).digest('hex').slice(0, 12);
  const tar = join(cacheDir, `${kind}-base-${SUITE}-${hash}.tar`);
  const image = `localhost/backbone/${kind}-base:${hash}`;
  let built = false;
  if (!existsSync(tar)) {
    const partial = tar.replace(/\.tar$/, '.partial.tar');
    rmSync(partial, { force: true });
    try {
      run('nice', ['-n', '19', 'mmdebstrap', '--quiet', ...mmdebstrapArgs(kind, partial)]);
    } catch (error) {
      rmSync(partial, { force: true });
      throw error;
    }
    renameSync(partial, tar);
    built = true;
  }
  if (built || tryRun('buildah', ['inspect', '--type', 'image', image]) === undefined) {
    const container = run('buildah', ['from', 'scratch']).trim();
    try {
      run('buildah', ['add', container, tar, '/']);
      run('buildah', [
        'config',
        '--env',
        'PATH=/usr/local/bin:/usr/bin:/bin',
        '--label',
        `org.opencontainers.image.description=backbone ${kind} base (Debian ${SUITE}, mmdebstrap)`,
        container,
      ]);
      run('buildah', ['commit', '--quiet', '--rm', container, image]);
    } catch (error) {
      tryRun('buildah', ['rm', container]);
      throw error;
    }
  }
  return { kind, image, tar, built, bytes: statSync(tar).size };
}
