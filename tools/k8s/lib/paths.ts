import { join, resolve } from 'node:path';

/** The repository root (this file is tools/k8s/lib/paths.ts). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Everything `npm run k8s:tools` provisions; git-ignored like the rest of `.cache/`. */
export const K8S_CACHE = process.env['K8S_CACHE_DIR'] ?? join(REPO_ROOT, '.cache', 'k8s');

export const paths = {
  bin: join(K8S_CACHE, 'bin'),
  /** Wrapper Go modules and downloads, kept so that a rebuild reuses them. */
  src: join(K8S_CACHE, 'src'),
  stamps: join(K8S_CACHE, 'stamps'),
  /** Patched Kubernetes JSON schemas: `<dir>/v1.37.0-local[-strict]/<kind>-<group>-<version>.json`. */
  kubernetesSchemas: join(K8S_CACHE, 'schemas', 'kubernetes'),
  /** Schemas of custom resources for kubeconform: `<dir>/<group>/<kind>_<version>.json`. */
  crdSchemas: join(K8S_CACHE, 'schemas', 'crds'),
  /** CRD YAML to apply to the API server, one file per CRD. */
  crds: join(K8S_CACHE, 'crds'),
  /** An npm prefix of its own for the packages in `NPM_PACKAGES`. */
  npm: join(K8S_CACHE, 'npm'),
  /** The manifests under check. */
  manifests: join(REPO_ROOT, 'k8s'),
  /** The Helm chart, once it exists (K8S_CHART_DIR checks another checkout's). */
  chart: process.env['K8S_CHART_DIR'] ?? join(REPO_ROOT, 'charts', 'backbone'),
} as const;

/** A binary provisioned into `.cache/k8s/bin`. */
export function tool(
  name: 'helm' | 'helm-unittest' | 'kubeconform' | 'kube-apiserver' | 'etcd',
): string {
  return join(paths.bin, name);
}
