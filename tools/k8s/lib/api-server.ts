import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tool } from './paths';

/** A throw-away Kubernetes control plane: etcd and kube-apiserver on loopback ports. */
export interface ApiServer {
  /** A kubeconfig for `kubectl --kubeconfig`; its namespace is the one given to the start. */
  readonly kubeconfig: string;
  /** Runs kubectl against it; never throws, the caller reads the exit status. */
  kubectl(args: readonly string[]): { status: number; stdout: string; stderr: string };
  /** Stops both processes and deletes the folder; idempotent. */
  stop(): Promise<void>;
}

/** A free loopback port (the kernel's pick; a race with another process is unlikely). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function startProcess(command: string, args: readonly string[], logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  // Its own process group, so that stop() reaches it and nothing it forks outlives the check.
  const child = spawn(command, args, { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  // A failed start shows as an exit code below; without a listener it would crash the check.
  child.on('error', () => undefined);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const pid = child.pid;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/** Servers still running, stopped on an exit that skips the caller's `finally` (Ctrl-C). */
const running = new Set<ApiServer>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all([...running].map((server) => server.stop())).finally(() =>
        process.exit(130),
      );
    });
  }
}

/**
 * Starts Debian's etcd and the kube-apiserver built by `npm run k8s:tools` in a temporary
 * folder, with what a lone API server needs on loopback (FACTS: no endpoint reconciler,
 * AlwaysAllow, a token, service-account keys, a service IP range), and waits for `/readyz`.
 * There is no controller manager, so nothing is scheduled or reconciled: the server only
 * admits (or rejects) objects, which is what a server-side dry run needs.
 *
 * Objects without a namespace go to `namespace` (the kubeconfig's).
 *
 * @throws if either process does not become ready within `timeoutMs`; both are stopped then.
 */
export async function startApiServer(
  options: { readonly namespace?: string; readonly timeoutMs?: number } = {},
): Promise<ApiServer> {
  const { namespace = 'default', timeoutMs = 90_000 } = options;
  for (const binary of [tool('etcd'), tool('kube-apiserver')]) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run k8s:tools`);
  }
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'k8s-check-'));
  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'check',
          cluster: {
            server: `https://127.0.0.1:${String(apiPort)}`,
            'insecure-skip-tls-verify': true,
          },
        },
      ],
      users: [{ name: 'admin', user: { token } }],
      contexts: [{ name: 'check', context: { cluster: 'check', user: 'admin', namespace } }],
      'current-context': 'check',
    }),
  );

  const etcd = startProcess(
    tool('etcd'),
    [
      '--name=check',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${String(etcdPort)}`,
      `--advertise-client-urls=http://127.0.0.1:${String(etcdPort)}`,
      `--listen-peer-urls=http://127.0.0.1:${String(etcdPeerPort)}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${String(etcdPeerPort)}`,
      `--initial-cluster=check=http://127.0.0.1:${String(etcdPeerPort)}`,
    ],
    join(dir, 'etcd.log'),
  );
  const apiServer = startProcess(
    tool('kube-apiserver'),
    [
      `--etcd-servers=http://127.0.0.1:${String(etcdPort)}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${String(apiPort)}`,
      `--cert-dir=${join(dir, 'certs')}`,
      // No kubernetes Service endpoints to keep up: there is no node, and loopback is refused.
      '--endpoint-reconciler-type=none',
      '--authorization-mode=AlwaysAllow',
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      `--service-account-key-file=${join(dir, 'sa.key')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      '--service-cluster-ip-range=10.96.0.0/16',
    ],
    join(dir, 'kube-apiserver.log'),
  );

  const kubectl = (args: readonly string[]) => {
    const result = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  };
  // One stop for every caller: the exit hook must wait for a stop the check's `finally`
  // already began, or the process exits with etcd still running.
  let stopping: Promise<void> | undefined;
  const server: ApiServer = {
    kubeconfig,
    kubectl,
    stop() {
      stopping ??= (async () => {
        await stopProcess(apiServer);
        await stopProcess(etcd);
        rmSync(dir, { recursive: true, force: true });
        running.delete(server);
      })();
      return stopping;
    },
  };
  running.add(server);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (kubectl(['get', '--raw', '/readyz']).status === 0) return server;
    const dead = [etcd, apiServer].find((child) => child.exitCode !== null);
    if (dead || Date.now() > deadline) {
      const logs = `etcd:\n${tail(join(dir, 'etcd.log'))}\nkube-apiserver:\n${tail(join(dir, 'kube-apiserver.log'))}`;
      await server.stop();
      throw new Error(
        `${dead ? `${dead === etcd ? 'etcd' : 'kube-apiserver'} exited` : `not ready within ${String(timeoutMs)} ms`}\n${logs}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
