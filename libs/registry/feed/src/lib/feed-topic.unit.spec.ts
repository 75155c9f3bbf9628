import { REGISTRY_CHANGES_TOPIC, registryChangesTopicSpec } from './feed-topic';

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
});
