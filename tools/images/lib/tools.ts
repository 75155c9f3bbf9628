// The Debian packages the image scripts run. Like `.ci/run` does for PostgreSQL, a run as root
// installs the missing ones with apt; any other user gets the apt line to run.
import { run, onPath } from './exec';

/** Command → Debian package. runc: podman's default runtime (crun) fails on this cgroup setup. */
const TOOLS: Readonly<Record<string, string>> = {
  mmdebstrap: 'mmdebstrap',
  buildah: 'buildah',
  podman: 'podman',
  skopeo: 'skopeo',
  runc: 'runc',
};

/** Installs the container tools that are missing (as root), or throws naming the apt line. */
export function ensureContainerTools(log: (message: string) => void): void {
  const missing = Object.entries(TOOLS)
    .filter(([command]) => !onPath(command))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(', ')}: run as root, or install them: ${line}`);
  }
  log(`installing ${missing.join(', ')} with apt`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', line.split(' ').slice(1), { env });
}
