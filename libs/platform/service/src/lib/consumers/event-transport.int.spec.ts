import { setTimeout as sleep } from 'node:timers/promises';

import type { INestApplicationContext } from '@nestjs/common';

import { ConsumerGroupFactory, EventPublisher } from '@gov/platform-messaging';
import { newTestTopic, startTestMessaging } from '@gov/platform-messaging-testing';
import { SiteRole } from '@gov/platform-replication';
import { uniqueName, waitFor } from '@gov/platform-testing';

import { PlatformEventTransport } from './event-transport';

// A subscription's effects are appends to the service's own log: a replica (which replays that
// log from the primary) and a fenced primary must not consume. The transport follows the
// site's role: held while not writable, started on promotion, held again when fenced.
describe('PlatformEventTransport on a site that is not writable', () => {
  let kafka: INestApplicationContext;
  let transport: PlatformEventTransport | undefined;

  beforeAll(async () => {
    kafka = await startTestMessaging('transport-hold');
  });

  afterAll(async () => {
    await transport?.close();
    await kafka.close();
  });

  it('holds its subscriptions until promotion, and again when fenced', async () => {
    const topic = await newTestTopic(kafka, 'transport-hold', { numPartitions: 1 });
    const site = new SiteRole('replica');
    const seen: string[] = [];
    transport = new PlatformEventTransport({
      groups: kafka.get(ConsumerGroupFactory),
      site,
      subscriptions: [
        { pattern: 'held.records', topic, groupId: uniqueName('hold'), kind: 'record' },
      ],
    });
    transport.addHandler(
      'held.records',
      (value: Buffer) => {
        seen.push(value.toString());
        return Promise.resolve();
      },
      true,
    );
    const publish = (value: string) =>
      kafka
        .get(EventPublisher)
        .publish(topic, [{ key: 'k', value: Buffer.from(value), headers: {} }]);

    transport.listen(() => undefined);
    await publish('while-replica');
    // Long enough for a group to join and fetch on this broker (it takes well under a second).
    await sleep(3_000);
    expect(transport.state('held.records')).toEqual({ state: 'held', error: null });
    expect(seen).toEqual([]);

    site.apply({ role: 'primary', reason: 'promoted', changedAt: new Date() });
    await waitFor('the promoted site consumed the record', () =>
      Promise.resolve(seen.length === 1),
    );
    expect(seen).toEqual(['while-replica']);
    await waitFor('running', () =>
      Promise.resolve(transport?.state('held.records').state === 'running'),
    );

    site.apply({ role: 'fenced', reason: 'failover', changedAt: new Date() });
    await waitFor('held again', () =>
      Promise.resolve(transport?.state('held.records').state === 'held'),
    );
    await publish('while-fenced');
    await sleep(3_000);
    expect(seen).toEqual(['while-replica']);

    // Promoted again: it goes on from its committed offset, nothing twice.
    site.apply({ role: 'primary', reason: 'failback', changedAt: new Date() });
    await waitFor('the fenced-time record', () => Promise.resolve(seen.length === 2));
    expect(seen).toEqual(['while-replica', 'while-fenced']);
  });
});
