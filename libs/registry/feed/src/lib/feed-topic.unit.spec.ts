import { REGISTRY_CHANGES_TOPIC, registryChangesTopicSpec, toTombstone } from './feed-topic';

describe('the feed topic', () => {
  it('is compacted and kept as changes.proto promises subscribers', () => {
    expect(registryChangesTopicSpec()).toEqual({
      topic: REGISTRY_CHANGES_TOPIC,
      numPartitions: 6,
      configs: {
        'cleanup.policy': 'compact',
        'retention.ms': '-1',
        'min.compaction.lag.ms': '604800000',
        'delete.retention.ms': '604800000',
      },
    });
    expect(REGISTRY_CHANGES_TOPIC).toBe('registry.changes.v1');
  });

  it('takes a replication factor for clusters with several brokers', () => {
    expect(registryChangesTopicSpec('t', 12, 3)).toMatchObject({
      topic: 't',
      numPartitions: 12,
      replicationFactor: 3,
    });
  });

  it('says an erasure with a tombstone: the record id as key, no value, the source event id', () => {
    expect(toTombstone('1983081246785', 'ev-1')).toEqual({
      key: '1983081246785',
      value: null,
      headers: { 'event-id': 'ev-1' },
    });
  });
});
