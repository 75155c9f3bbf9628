import { Writable } from 'node:stream';

import { Logger as NestLogger } from '@nestjs/common';
import { logLevel } from 'kafkajs';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import pino from 'pino';

import { kafkaEntryLevel, nestLogCreator } from './kafka-log';

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

  it('puts a coordinator a new cluster is still creating at debug', () => {
    const entry = { error: 'The coordinator is not available' };
    expect(kafkaEntryLevel(logLevel.ERROR, entry)).toBe(logLevel.DEBUG);
  });

  it('leaves the other levels as the client chose them', () => {
    const entry = { error: 'This server does not host this topic-partition' };
    expect(kafkaEntryLevel(logLevel.WARN, entry)).toBe(logLevel.WARN);
    expect(kafkaEntryLevel(logLevel.INFO, {})).toBe(logLevel.INFO);
  });
});

describe('nestLogCreator', () => {
  afterEach(() => {
    NestLogger.overrideLogger(true);
  });

  it("writes the client's fields with its message on the service's pino line", () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    NestLogger.overrideLogger(
      new PinoNestLogger(new PinoLogger({ pinoHttp: { logger: pino(stream) } }), {}),
    );
    const log = nestLogCreator(logLevel.INFO);
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        message: 'Response Metadata(key: 3, version: 6)',
        timestamp: '2026-12-07T08:37:21.162Z',
        logger: 'kafkajs',
        error: 'Not authorized to access topics: [Topic authorization failed.]',
        broker: '127.0.0.1:9092',
        correlationId: 7,
      },
    });
    log({
      namespace: 'Consumer',
      level: logLevel.INFO,
      label: 'INFO',
      log: { message: 'Starting', timestamp: '2026-12-07T08:37:21.162Z', logger: 'kafkajs' },
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        context: 'Kafka Connection',
        msg: 'Response Metadata(key: 3, version: 6)',
        error: 'Not authorized to access topics: [Topic authorization failed.]',
        broker: '127.0.0.1:9092',
        correlationId: 7,
      }),
      expect.objectContaining({ level: 30, context: 'Kafka Consumer', msg: 'Starting' }),
    ]);
    // The client's own timestamp and logger name are not repeated.
    expect(lines[0]).not.toHaveProperty('logger');
    expect(lines[0]).not.toHaveProperty('timestamp');
  });
});
