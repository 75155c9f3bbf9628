// Where the chart and the tools that check it live, from this folder.
import { join } from 'node:path';

/** The repository's root. */
export const REPO_ROOT = join(__dirname, '..', '..');
/** The chart of every service for one site. */
export const CHART_DIR = join(REPO_ROOT, 'charts', 'backbone');
/** Site example values, the ones `helm lint --strict` and the parity test render. */
export const SITE_VALUES = {
  primary: join(CHART_DIR, 'values-primary.yaml'),
  embassy: join(CHART_DIR, 'values-embassy.yaml'),
} as const;
/** The git-ignored folder of the Kubernetes tools (see the k8s tools' provisioning). */
export const K8S_BIN = join(REPO_ROOT, '.cache', 'k8s', 'bin');
/** Helm 3, built with the Kubernetes version ldflags (`HELM` overrides). */
export const HELM = process.env['HELM'] ?? join(K8S_BIN, 'helm');
/** helm-unittest, standalone (`HELM_UNITTEST` overrides). */
export const HELM_UNITTEST = process.env['HELM_UNITTEST'] ?? join(K8S_BIN, 'helm-unittest');
