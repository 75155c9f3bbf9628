// Renders the chart with the real helm binary and reads back what each workload's container
// gets as its environment: the plain variables of its ConfigMap and its own env entries.
import { spawnSync } from 'node:child_process';

import { loadAll } from 'js-yaml';

import { CHART_DIR, HELM } from './paths';

/** A rendered Kubernetes object, as far as these checks read it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly data?: Readonly<Record<string, string>>;
  readonly spec?: Record<string, unknown>;
}

/** One variable of a container: a plain value, or a reference to a Secret's key. */
export type EnvSource =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'secret'; readonly secret: string; readonly key: string };

/** A workload's container as the checks see it. */
export interface RenderedContainer {
  /** The workload's kind and name, e.g. `Deployment backbone-registry`. */
  readonly workload: string;
  /** `app.kubernetes.io/component` (a service's name), or `backbone.gov/service` for a Job. */
  readonly service: string;
  readonly command: readonly string[];
  readonly env: ReadonlyMap<string, EnvSource>;
  readonly ports: readonly number[];
  /** Mounted Secret files: mount path of the folder → the Secret's keys in it. */
  readonly secretMounts: ReadonlyMap<string, readonly string[]>;
}

/** The release name every check renders with. */
export const RELEASE = 'backbone';

/**
 * `helm template` of the chart with `valuesFiles` and `--set` pairs, parsed.
 *
 * @throws Error with helm's output when rendering fails (a schema violation, a `fail`).
 */
export function renderChart(
  valuesFiles: readonly string[],
  set: readonly string[] = [],
): Manifest[] {
  const args = [
    'template',
    RELEASE,
    CHART_DIR,
    '--namespace',
    'backbone',
    ...valuesFiles.flatMap((file) => ['--values', file]),
    ...set.flatMap((pair) => ['--set', pair]),
  ];
  const result = spawnSync(HELM, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`could not run ${HELM}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return loadAll(result.stdout).filter(
    (doc): doc is Manifest => typeof doc === 'object' && doc !== null && 'kind' in doc,
  );
}

interface PodSpec {
  containers?: {
    command?: string[];
    ports?: { containerPort: number }[];
    env?: {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef?: { name: string; key: string } };
    }[];
    envFrom?: { configMapRef?: { name: string } }[];
    volumeMounts?: { name: string; mountPath: string }[];
  }[];
  volumes?: { name: string; secret?: { items?: { key: string; path: string }[] } }[];
}

/** The first container of every Deployment and Job in `manifests`. */
export function renderedContainers(manifests: readonly Manifest[]): RenderedContainer[] {
  const configMaps = new Map(
    manifests
      .filter((m) => m.kind === 'ConfigMap')
      .map((m) => [m.metadata.name, m.data ?? {}] as const),
  );
  return manifests
    .filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
    .map((m) => {
      const template = m.spec?.['template'] as { spec: PodSpec } | undefined;
      const pod = template?.spec ?? {};
      const container = pod.containers?.[0];
      if (container === undefined) throw new Error(`${m.kind} ${m.metadata.name} has no container`);
      const env = new Map<string, EnvSource>();
      for (const from of container.envFrom ?? []) {
        const name = from.configMapRef?.name;
        const data = name === undefined ? undefined : configMaps.get(name);
        if (data === undefined) {
          throw new Error(
            `${m.kind} ${m.metadata.name} reads ConfigMap ${String(name)}, not rendered`,
          );
        }
        for (const [key, value] of Object.entries(data)) env.set(key, { kind: 'value', value });
      }
      for (const entry of container.env ?? []) {
        const ref = entry.valueFrom?.secretKeyRef;
        env.set(
          entry.name,
          ref
            ? { kind: 'secret', secret: ref.name, key: ref.key }
            : { kind: 'value', value: entry.value ?? '' },
        );
      }
      const secretMounts = new Map<string, readonly string[]>();
      for (const mount of container.volumeMounts ?? []) {
        const volume = pod.volumes?.find((v) => v.name === mount.name);
        if (volume?.secret) {
          secretMounts.set(
            mount.mountPath,
            (volume.secret.items ?? []).map((item) => item.path),
          );
        }
      }
      const labels = m.metadata.labels ?? {};
      return {
        workload: `${m.kind} ${m.metadata.name}`,
        service:
          (m.kind === 'Job'
            ? labels['backbone.gov/service']
            : labels['app.kubernetes.io/component']) ?? '',
        command: container.command ?? [],
        env,
        ports: (container.ports ?? []).map((port) => port.containerPort),
        secretMounts,
      };
    });
}
