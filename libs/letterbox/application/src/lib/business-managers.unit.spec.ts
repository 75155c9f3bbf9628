import { ApplicationError } from '@gov/platform-chassis';

import { CachedBusinessManagers, NO_REGISTRY, isRegistryUnavailable } from './business-managers';
import type { BusinessManagers } from './business-managers';

const TTL = 30_000;

function setUp() {
  let now = new Date('2026-03-01T10:00:00Z');
  const registry = { up: true, asked: 0, managers: ['1990013100012'] };
  const port: BusinessManagers = {
    managersOf: () => {
      registry.asked += 1;
      return registry.up
        ? Promise.resolve([...registry.managers])
        : Promise.reject(ApplicationError.serviceUnavailable('down'));
    },
  };
  const clock = { now: () => now };
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  return {
    registry,
    advance,
    cache: (max?: number) => new CachedBusinessManagers(port, clock, TTL, max),
  };
}

describe('the cached registry answer on who manages a business', () => {
  it('reuses an answer for less than the period, and asks again from its end', async () => {
    const { registry, advance, cache } = setUp();
    const managers = cache();
    expect(await managers.managersOf('B1')).toEqual(['1990013100012']);
    registry.managers = ['1983081246785'];
    advance(TTL - 1);
    expect(await managers.managersOf('B1')).toEqual(['1990013100012']);
    advance(1);
    expect(await managers.managersOf('B1')).toEqual(['1983081246785']);
    expect(registry.asked).toBe(2);
  });

  it('asks once for concurrent callers, and never keeps a failure', async () => {
    const { registry, cache } = setUp();
    const managers = cache();
    registry.up = false;
    const failed = await managers.managersOf('B1').catch((error: unknown) => error);
    expect(isRegistryUnavailable(failed)).toBe(true);
    registry.up = true;
    const answers = await Promise.all([managers.managersOf('B1'), managers.managersOf('B1')]);
    expect(answers).toEqual([['1990013100012'], ['1990013100012']]);
    expect(registry.asked).toBe(2);
  });

  it('forgets the oldest answers past its bound', async () => {
    const { registry, cache } = setUp();
    const managers = cache(2);
    await managers.managersOf('B1');
    await managers.managersOf('B2');
    await managers.managersOf('B3');
    expect(registry.asked).toBe(3);
    await managers.managersOf('B3');
    expect(registry.asked).toBe(3);
    await managers.managersOf('B1');
    expect(registry.asked).toBe(4);
  });

  it('answers 503 for every business when no registry is configured', async () => {
    const error = await NO_REGISTRY.managersOf('B1').catch((e: unknown) => e);
    expect(isRegistryUnavailable(error)).toBe(true);
    expect(isRegistryUnavailable(new Error('a bug'))).toBe(false);
  });
});
