import { readFileSync } from 'node:fs';

import { InfraError } from './errors';
import { freePort, runOrThrow, waitUntil } from './processes';

describe('runOrThrow', () => {
  it('returns standard output of a successful command', () => {
    expect(runOrThrow('sh', ['-c', 'echo hello'], 'echo')).toBe('hello\n');
  });

  it('throws an InfraError that carries the command and its output', () => {
    let caught: unknown;
    try {
      runOrThrow('sh', ['-c', 'echo broken >&2; exit 3'], 'the broken step');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InfraError);
    const error = caught as InfraError;
    expect(error.kind).toBe('command-failed');
    expect(error.message).toContain('the broken step failed');
    expect(error.message).toContain('broken');
  });
});

describe('waitUntil', () => {
  it('resolves true once the condition holds', async () => {
    let calls = 0;
    await expect(waitUntil(() => ++calls >= 3, 1_000, 1)).resolves.toBe(true);
    expect(calls).toBe(3);
  });

  it('resolves false when the time runs out', async () => {
    await expect(waitUntil(() => false, 30, 5)).resolves.toBe(false);
  });
});

describe('freePort', () => {
  it('hands out distinct ports below the kernel’s ephemeral range, none of the local platform’s', async () => {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );

    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));

    expect(new Set(ports).size).toBe(40);
    expect(ports.filter((port) => port >= low)).toEqual([]);
    expect(
      ports.filter((port) => [15432, 19092, 19093, 25432, 29092, 29093].includes(port)),
    ).toEqual([]);
  });
});
