// The image's build step (run inside the Dockerfile's build stage, also usable on its own):
// compiles each service's entry points and everything they import, and nothing else, from
// TypeScript to CommonJS with swc, into a tree that mirrors the sources (`libs/...`,
// `services/<name>/src/...`). Mirroring keeps the `__dirname`-relative data lookups of the
// libraries working unchanged (`config/legal-bases.json`,
// `libs/procedures/application/catalogue/`); the `@gov/*` aliases of tsconfig.base.json become
// relative requires, so the image needs no loader and no path mapping at run time.
//
//   node --require @swc-node/register tools/images/compile.ts --out <dir> [--service <name>]...
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { transformFileSync } from '@swc/core';
import type { Options } from '@swc/core';

import { loadServiceDeclarations } from '../scripts/lib/service-declarations';

/**
 * Data folders that code finds relative to itself at run time (`join(__dirname, '..', '..',
 * 'catalogue')`; the legal-basis catalogue in `config/` at the root), copied to the same place
 * in the output. A service that cannot read them does
 * not start, so the image check catches a missing one.
 */
const DATA_DIRS = [
  'config',
  'libs/procedures/application/catalogue',
  // The portal's stylesheet and browser scripts, served as they are.
  'services/portal/src/assets',
];

/** What {@link compileServices} wrote. */
export interface CompileResult {
  readonly files: number;
  readonly entries: readonly string[];
}

/** The swc options of `.swcrc`, plus the workspace's path aliases resolved to relative requires. */
function swcOptions(root: string): Options {
  const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8')) as Options;
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return {
    ...swcrc,
    swcrc: false,
    configFile: false,
    sourceMaps: true,
    jsc: { ...swcrc.jsc, baseUrl: root, paths: tsconfig.compilerOptions.paths },
  };
}

/** The `.ts` file a relative require of `from` names, if it is one of the workspace's. */
function resolveSource(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The executables of a service: every non-test `.ts` directly in its `src/`. */
function serviceEntries(serviceDir: string): string[] {
  const src = join(serviceDir, 'src');
  return readdirSync(src)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => join(src, file));
}

/**
 * Compiles the services named in `services` (all declared ones when empty) under `root` into
 * `out`, following requires from their entry points, then copies the data folders and writes,
 * per service, `services/<name>/main.js` (and `migrate.js` when it has a database): the stable
 * entry points that the chart's commands name.
 *
 * @throws when a named service is not declared, or a require names a workspace file that does
 *   not exist (a broken alias would otherwise surface only when the container starts).
 */
export function compileServices(
  root: string,
  out: string,
  services: readonly string[] = [],
): CompileResult {
  const declared = loadServiceDeclarations(join(root, 'services'));
  for (const name of services) {
    if (!declared.some((service) => service.name === name)) {
      throw new Error(`no service "${name}" in services/*/service.json`);
    }
  }
  const chosen = declared.filter(
    (service) => services.length === 0 || services.includes(service.name),
  );
  const options = swcOptions(root);
  const pending = chosen.flatMap((service) => serviceEntries(service.dir));
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop();
    if (file === undefined || done.has(file)) continue;
    done.add(file);
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    const output = transformFileSync(file, {
      ...options,
      filename: file,
      outputPath: target,
      sourceFileName: relative(dirname(target), join(out, relative(root, file))),
    });
    for (const [, specifier] of output.code.matchAll(/require\("(\.{1,2}\/[^"]*)"\)/g)) {
      const source = resolveSource(file, specifier ?? '');
      if (source === undefined) {
        throw new Error(`${relative(root, file)}: cannot resolve require("${specifier ?? ''}")`);
      }
      pending.push(source);
    }
    mkdirSync(dirname(target), { recursive: true });
    const map = `${target}.map`;
    writeFileSync(
      target,
      `${output.code}\n//# sourceMappingURL=${relative(dirname(target), map)}\n`,
    );
    if (output.map !== undefined) writeFileSync(map, output.map);
  }
  for (const dir of DATA_DIRS) {
    cpSync(join(root, dir), join(out, dir), { recursive: true });
  }
  const entries: string[] = [];
  for (const service of chosen) {
    const stable = [
      ['main.js', service.main],
      ...(service.database ? [['migrate.js', service.database.migrate]] : []),
    ] as const;
    for (const [name, source] of stable) {
      const compiled = relative(service.dir, source).replace(/\.ts$/, '.js');
      const entry = join(out, relative(root, service.dir), name);
      writeFileSync(entry, `'use strict';\nrequire('./${compiled}');\n`);
      entries.push(relative(out, entry));
    }
  }
  return { files: done.size, entries };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      service: { type: 'string', multiple: true, default: [] },
    },
  });
  if (values.out === undefined) {
    process.stderr.write('usage: compile.ts --out <dir> [--service <name>]...\n');
    process.exit(2);
  }
  const root = resolve(__dirname, '..', '..');
  const result = compileServices(root, resolve(values.out), values.service);
  process.stdout.write(
    `compiled ${String(result.files)} files; entry points: ${result.entries.join(', ')}\n`,
  );
}
