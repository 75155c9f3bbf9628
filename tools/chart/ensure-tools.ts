// Builds helm and helm-unittest into .cache/k8s/bin when they are missing, with the commands
// the k8s tools' provisioning uses (same output path, so either may build them): Go modules
// from the module proxy, the Kubernetes version Helm reports set by ldflags (a plain build
// reports v1.20, below the chart's kubeVersion).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { HELM, HELM_UNITTEST, K8S_BIN } from './paths';

const HELM_VERSION = 'v3.22.0';
const KUBERNETES_MINOR = '37';

/** The ldflags that make helm (and helm-unittest, which links Helm) report Kubernetes v1.37. */
const KUBE_VERSION_LDFLAGS = [
  '-s',
  '-w',
  `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1`,
  `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${KUBERNETES_MINOR}`,
  `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1`,
  `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${KUBERNETES_MINOR}`,
].join(' ');

function go(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): void {
  // Below the tests that share the machine.
  const result = spawnSync('nice', ['-n', '19', 'go', ...args], {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', ...env },
  });
  if (result.status !== 0) throw new Error(`go ${args.join(' ')} failed`);
}

/**
 * Makes sure both binaries exist (builds what is missing: about 1.5 min for helm and 30 s for
 * helm-unittest with a warm module cache on 2 cores) and returns their paths.
 *
 * @throws Error when Go is missing or a build fails.
 */
export function ensureChartTools(log: (message: string) => void): {
  helm: string;
  helmUnittest: string;
} {
  const missing = [HELM, HELM_UNITTEST].filter((file) => !existsSync(file));
  if (missing.length === 0) return { helm: HELM, helmUnittest: HELM_UNITTEST };
  const elsewhere = missing.filter((file) => !file.startsWith(`${K8S_BIN}/`));
  if (elsewhere.length > 0) {
    throw new Error(`${elsewhere.join(' and ')} (set by HELM or HELM_UNITTEST) missing`);
  }
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${missing.join(' and ')} missing, and no Go toolchain to build them`);
  }
  mkdirSync(K8S_BIN, { recursive: true });
  if (!existsSync(HELM)) {
    log(`building helm ${HELM_VERSION} into ${K8S_BIN}`);
    go(
      [
        'install',
        '-trimpath',
        '-ldflags',
        `${KUBE_VERSION_LDFLAGS} -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
        `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`,
      ],
      K8S_BIN,
      { GOBIN: K8S_BIN },
    );
  }
  if (!existsSync(HELM_UNITTEST)) {
    log(`building helm-unittest into ${K8S_BIN}`);
    go(
      [
        'build',
        '-trimpath',
        '-ldflags',
        KUBE_VERSION_LDFLAGS,
        '-o',
        HELM_UNITTEST,
        'github.com/helm-unittest/helm-unittest/cmd/helm-unittest',
      ],
      join(__dirname, 'helm-unittest'),
    );
  }
  return { helm: HELM, helmUnittest: HELM_UNITTEST };
}
