import { Module } from '@nestjs/common';

import type { KafkaAdmin, TopicSpec } from '@gov/platform-messaging';

import { RelayHost, relayModule } from './relay-host';
import type { HostedRelay } from './relay-host';

const TOKEN = Symbol('TEST_RELAY_OPTIONS');

/** Records what the host asks of the relay and the admin, in order. */
function fakes(): { calls: string[]; relay: HostedRelay; admin: KafkaAdmin } {
  const calls: string[] = [];
  const relay: HostedRelay = {
    start: () => {
      calls.push('start');
    },
    stop: () => {
      calls.push('stop');
      return Promise.resolve();
    },
  };
  const admin = {
    ensureTopics: (specs: readonly TopicSpec[]) => {
      calls.push(`ensure ${specs.map((spec) => spec.topic).join(',')}`);
      return Promise.resolve();
    },
  } as unknown as KafkaAdmin;
  return { calls, relay, admin };
}

class TestHost extends RelayHost<HostedRelay> {
  constructor(parts: { relay: HostedRelay; admin: KafkaAdmin; spec: TopicSpec | undefined }) {
    super(parts.relay, parts.admin, parts.spec);
  }
}

@Module({})
class TestModule {}

describe('RelayHost', () => {
  it('ensures the topic, then starts the relay at bootstrap, and stops it on destroy', async () => {
    const { calls, relay, admin } = fakes();
    const host = new TestHost({ relay, admin, spec: { topic: 't', numPartitions: 1 } });

    await host.onApplicationBootstrap();
    expect(calls).toEqual(['ensure t', 'start']);
    await host.onModuleDestroy();
    expect(calls).toEqual(['ensure t', 'start', 'stop']);
  });

  it('leaves topics alone without a spec', async () => {
    const { calls, relay, admin } = fakes();
    const host = new TestHost({ relay, admin, spec: undefined });

    await host.onApplicationBootstrap();
    await host.onModuleDestroy();
    expect(calls).toEqual(['start', 'stop']);
  });
});

describe('relayModule', () => {
  it('provides options known up front and exports the service', () => {
    const options = { topic: 't' };
    expect(relayModule(TestModule, TestHost, TOKEN, { useValue: options })).toEqual({
      module: TestModule,
      imports: [],
      providers: [{ provide: TOKEN, useValue: options }, TestHost],
      exports: [TestHost],
    });
  });

  it('provides options computed by a factory from the injected providers and the imports', () => {
    const useFactory = (topic: string) => ({ topic });
    expect(
      relayModule(TestModule, TestHost, TOKEN, {
        imports: [TestModule],
        inject: ['TOPIC'],
        useFactory,
      }),
    ).toEqual({
      module: TestModule,
      imports: [TestModule],
      providers: [{ provide: TOKEN, useFactory, inject: ['TOPIC'] }, TestHost],
      exports: [TestHost],
    });
  });

  it('injects nothing into a factory without `inject`', () => {
    const useFactory = () => ({ topic: 't' });
    expect(relayModule(TestModule, TestHost, TOKEN, { useFactory })).toMatchObject({
      imports: [],
      providers: [{ provide: TOKEN, useFactory, inject: [] }, TestHost],
    });
  });
});
