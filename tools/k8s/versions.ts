// Every version the Kubernetes tooling pins, in one place. `npm run k8s:tools` provisions exactly
// these into .cache/k8s/ and records them in its stamps, so changing one here rebuilds (only)
// what depends on it on the next run.

/** The Kubernetes minor the checks target: schemas, the API server, Helm's reported version. */
export const KUBERNETES = { major: 1, minor: 37 } as const;

/** Helm 3, built from its Go module with the chartutil ldflags so that it reports v1.37. */
export const HELM = { module: 'helm.sh/helm/v3', version: 'v3.22.0' } as const;

/**
 * helm-unittest: `go install` refuses it (its go.mod has a replace), so a wrapper module requires
 * it and repeats that replace.
 */
export const HELM_UNITTEST = {
  module: 'github.com/helm-unittest/helm-unittest',
  version: 'v1.1.2',
  replaces: {
    'github.com/vmware-labs/yaml-jsonpath v0.3.2': 'github.com/helm-unittest/yaml-jsonpath v0.4.0',
  },
} as const;

/** kubeconform, `go install`ed. */
export const KUBECONFORM = { module: 'github.com/yannh/kubeconform', version: 'v0.8.0' } as const;

/**
 * kube-apiserver from `k8s.io/kubernetes`, whose go.mod requires its staging modules at v0.0.0
 * (they live in its own tree); the wrapper replaces each with the published `v0.<minor>.<patch>`.
 */
export const KUBE_APISERVER = { module: 'k8s.io/kubernetes', version: 'v1.37.2' } as const;

/** etcd for the API server: Debian's package, unpacked, never installed. */
export const ETCD = { debian: 'etcd-server', version: '3.4.23-4+b4' } as const;

/** Offline Kubernetes JSON schemas: the ones PyPI's kubernetes-validate bundles. */
export const KUBERNETES_SCHEMAS = {
  pypi: 'kubernetes-validate',
  version: '1.37.0',
  kubernetes: 'v1.37.0',
} as const;

/**
 * Strimzi's custom resources, generated from its Maven artifacts (`tools/k8s/strimzi-pom.xml`)
 * with Java 21 or newer (the classes are Java 21 bytecode).
 */
export const STRIMZI = {
  version: '1.2.0',
  apiVersion: 'v1',
  javaHome: '/usr/lib/jvm/temurin-25-jdk-amd64',
} as const;

/**
 * npm packages the checks load from their own prefix in .cache/k8s/npm, so that the workspace's
 * dependencies stay those of the product: CloudNativePG's typed models (its only offline
 * description) and a YAML parser.
 */
export const NPM_PACKAGES = {
  '@kubernetes-models/cloudnative-pg': '2.0.0',
  yaml: '2.9.1',
} as const;

/** The Go toolchain the builds use: the machine's, never a downloaded one. */
export const GO_ENV = { GOTOOLCHAIN: 'local' } as const;
