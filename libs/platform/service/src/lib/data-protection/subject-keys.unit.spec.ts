import { keysTopicOf, keysTopicSpec } from './subject-keys';

describe('the keys topic', () => {
  it('is named after the service’s event topic', () => {
    expect(keysTopicOf('registry.events.v1')).toBe('registry.keys.v1');
    expect(keysTopicOf('primary_1a.registry.events.v1_2b')).toBe('primary_1a.registry.keys.v1_2b');
    expect(keysTopicOf('custom')).toBe('custom.keys');
  });

  it('is compacted, kept, and cleaned within a day', () => {
    expect(keysTopicSpec('registry.keys.v1').configs).toMatchObject({
      'cleanup.policy': 'compact',
      'retention.ms': '-1',
      'max.compaction.lag.ms': '86400000',
    });
  });
});
