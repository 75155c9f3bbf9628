import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../../../../..');
const FIXTURE = resolve(__dirname, 'fixtures/service.fixture.ts');

interface Run {
  readonly code: number | null;
  readonly stdout: Record<string, unknown>[];
  readonly stderr: string;
  readonly durationMs: number;
}

/**
 * Runs the fixture service; once `readyLine` has been logged, sends SIGTERM. Resolves when the
 * process exits.
 */
async function runFixture(env: Record<string, string>, readyLine?: string): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', '@swc-node/register', FIXTURE], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HTTP_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (readyLine !== undefined && stdout.includes(readyLine)) child.kill('SIGTERM');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killer);
  return {
    code,
    stdout: stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr,
    durationMs: performance.now() - started,
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

describe('bootstrapService', () => {
  it('gives up a shutdown that overruns SHUTDOWN_GRACE_MS, exiting with 1', async () => {
    const free = createServer();
    const port = await listen(free);
    free.close();
    const run = await runFixture(
      { HTTP_PORT: String(port), SHUTDOWN_GRACE_MS: '1000', FIXTURE_STUCK_ON_SHUTDOWN: '1' },
      'listening on',
    );

    expect(run.code).toBe(1);
    const messages = run.stdout.map((line) => line['msg']);
    expect(messages).toContain('Shutdown did not finish within 1000 ms; exiting');
    expect(run.stdout.at(-1)).toMatchObject({ msg: 'Stopped', exitCode: 1 });
    expect(run.durationMs).toBeLessThan(15_000);
  });

  it('logs a failure to start with its cause and exits with 1', async () => {
    const occupied = createServer();
    const port = await listen(occupied);
    try {
      const run = await runFixture({ HTTP_PORT: String(port) });

      expect(run.code).toBe(1);
      const fatal = run.stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: string; msg: string; err?: { code?: string } })
        .find((line) => line.level === 'fatal');
      expect(fatal).toMatchObject({ msg: 'fixture failed to start', err: { code: 'EADDRINUSE' } });
    } finally {
      occupied.close();
    }
  });
});
