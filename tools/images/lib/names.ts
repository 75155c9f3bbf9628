import { join } from 'node:path';

import { run } from './exec';

/** Where the base tars and the OCI archives go (git-ignored). */
export function imagesCacheDir(root: string): string {
  return join(root, '.cache', 'images');
}

/**
 * The local name of the image: `localhost/backbone:<tag>` for the one image of every service,
 * `localhost/backbone-<service>:<tag>` for a one-service image.
 */
export function imageName(service: string | undefined, tag: string): string {
  return `localhost/backbone${service === undefined ? '' : `-${service}`}:${tag}`;
}

/** The default tag: the commit, marked `-dirty` when the worktree has uncommitted changes. */
export function defaultTag(root: string): string {
  const commit = run('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root }).trim();
  const dirty = run('git', ['status', '--porcelain'], { cwd: root }).trim() !== '';
  return dirty ? `${commit}-dirty` : commit;
}
