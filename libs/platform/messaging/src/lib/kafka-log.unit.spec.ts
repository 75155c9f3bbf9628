import { logLevel } from 'kafkajs';

import { kafkaEntryLevel } from './kafka-log';

describe('kafkaEntryLevel', () => {
  it('puts a failed request for a topic that does not exist yet at debug', () => {
    const entry = { error: 'This server does not host this topic-partition', correlationId: 7 };
    expect(kafkaEntryLevel(logLevel.ERROR, entry)).toBe(logLevel.DEBUG);
  });

  it('puts a leader election on a new topic at debug', () => {
    const entry = {
      error:
        'There is no leader for this topic-partition as we are in the middle of a leadership election',
    };
    expect(kafkaEntryLevel(logLevel.ERROR, entry)).toBe(logLevel.DEBUG);
  });

  it('keeps every other error at error', () => {
    expect(kafkaEntryLevel(logLevel.ERROR, { error: 'Not authorized to access topics' })).toBe(
      logLevel.ERROR,
    );
    expect(kafkaEntryLevel(logLevel.ERROR, {})).toBe(logLevel.ERROR);
  });

  it('leaves the other levels as the client chose them', () => {
    const entry = { error: 'This server does not host this topic-partition' };
    expect(kafkaEntryLevel(logLevel.WARN, entry)).toBe(logLevel.WARN);
    expect(kafkaEntryLevel(logLevel.INFO, {})).toBe(logLevel.INFO);
  });
});
