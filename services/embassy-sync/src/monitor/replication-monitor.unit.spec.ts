import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ConsoleLogger, Logger } from '@nestjs/common';

import { OwnToken } from '@gov/platform-auth';

import type { EmbassySyncConfig } from '../embassy-sync.config';
import { ReplicationMonitor, STARTING_POLLS } from './replication-monitor.service';

/** A service's `/replication/status` on loopback, answering while `up`. */
async function statusServer(): Promise<{ server: Server; url: string; up: { value: boolean } }> {
  const up = { value: true };
  const server = createServer((request, response) => {
    if (!up.value) {
      response.writeHead(503, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ detail: 'stopping' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        service: 'registry',
        role: 'primary',
        head: '7',
        headRecordedAt: null,
        replica: { running: false, halted: [], deadLetters: [] },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, up };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('ReplicationMonitor', () => {
  const lines: { level: 'log' | 'warn'; message: string }[] = [];
  let server: Server | undefined;

  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(
      new (class extends ConsoleLogger {
        override log(message: unknown): void {
          lines.push({ level: 'log', message: String(message) });
        }
        override warn(message: unknown): void {
          lines.push({ level: 'warn', message: String(message) });
        }
      })(),
    );
  });

  afterEach(async () => {
    Logger.overrideLogger(new ConsoleLogger());
    const open = server;
    server = undefined;
    if (open !== undefined) await new Promise((resolve) => open.close(resolve));
  });

  function monitor(primaryUrl: string, embassyUrl: string): ReplicationMonitor {
    const config = {
      services: [{ name: 'registry', topic: 'registry.events.v1', primaryUrl, embassyUrl }],
      pollIntervalMs: 1_000,
      lagAlarmMs: 60_000,
      httpTimeoutMs: 2_000,
      windowMinutes: 5,
    } as unknown as EmbassySyncConfig;
    const token = new OwnToken(
      { kind: 'token', token: 'operator-token' },
      {
        role: 'operator',
        subject: 'embassy-sync',
        issuer: 'https://idp.test',
        audience: 'backbone',
      },
    );
    return new ReplicationMonitor(config, token);
  }

  it('notes a site that has not answered yet at info while it may be starting, then warns once', async () => {
    const started = await statusServer();
    server = started.server;
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const watching = monitor(started.url, nowhere);

    for (let poll = 0; poll < STARTING_POLLS; poll += 1) await watching.poll();
    const embassy = watching.snapshot()[0]?.embassy;
    expect(embassy).toMatchObject({ up: false, error: expect.any(String) as string });
    const error = String(embassy?.error);
    expect(lines).toEqual([
      { level: 'log', message: `embassy registry (${nowhere}): not answering yet: ${error}` },
    ]);

    await watching.poll();
    await watching.poll();
    expect(lines.slice(1)).toEqual([
      {
        level: 'warn',
        message: `embassy registry (${nowhere}): status unavailable: ${error}`,
      },
    ]);
  });

  it('warns at once when a site that answered stops answering, and says when it is back', async () => {
    const started = await statusServer();
    server = started.server;
    const watching = monitor(started.url, started.url);
    await watching.poll();
    expect(watching.snapshot()[0]?.primary).toMatchObject({ up: true, error: null });

    started.up.value = false;
    await watching.poll();
    await watching.poll();
    started.up.value = true;
    await watching.poll();
    expect(lines).toEqual([
      {
        level: 'warn',
        message: `primary registry (${started.url}): status unavailable: HTTP 503: stopping`,
      },
      {
        level: 'warn',
        message: `embassy registry (${started.url}): status unavailable: HTTP 503: stopping`,
      },
      { level: 'log', message: 'primary registry answers again' },
      { level: 'log', message: 'embassy registry answers again' },
    ]);
  });
});
