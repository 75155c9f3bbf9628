import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cachedRoot: string | undefined;

/** The monorepo root: the nearest directory above this file that holds nx.json. */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${__dirname}`);
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}

/**
 * The git-ignored folder for downloaded jars and local site data. `BACKBONE_CACHE_DIR`
 * overrides it (e.g. to share one jar download between several clones).
 */
export function cacheDir(): string {
  return process.env['BACKBONE_CACHE_DIR'] ?? join(repoRoot(), '.cache');
}
