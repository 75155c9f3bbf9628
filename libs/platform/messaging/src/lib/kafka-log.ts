import { Logger } from '@nestjs/common';
import { logLevel } from 'kafkajs';
import type { logCreator } from 'kafkajs';

import type { MessagingLogLevel } from './messaging.options';

const LEVELS: Record<MessagingLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** Maps our log level onto the Kafka client's. */
export function kafkaLogLevel(level: MessagingLogLevel): logLevel {
  return LEVELS[level];
}

/**
 * Broker answers that mean "the topic is not there (yet)" or "its leader is being elected": the
 * client logs each failed metadata request at error, every retry, while the caller (a replica
 * waiting for MirrorMaker 2 to create its mirrored topic, a consumer of checkpoints not
 * published yet) expects exactly that, retries, and says so once itself.
 */
const EXPECTED_WHILE_WAITING = [
  'This server does not host this topic-partition',
  'There is no leader for this topic-partition',
  // A new cluster creates its offsets and transaction-state topics on the first group or
  // transactional producer: their coordinators answer this until then, and the client retries.
  'The coordinator is not available',
  'The coordinator is loading',
];

/**
 * The level a client log entry is written at: the client's own, except that a failed request
 * the client retries while a topic or a coordinator comes into being goes to debug (see
 * `EXPECTED_WHILE_WAITING`).
 */
export function kafkaEntryLevel(level: logLevel, entry: object): logLevel {
  const error = 'error' in entry && typeof entry.error === 'string' ? entry.error : '';
  if (level === logLevel.ERROR && EXPECTED_WHILE_WAITING.some((m) => error.startsWith(m))) {
    return logLevel.DEBUG;
  }
  return level;
}

/** Fields of a client log entry that Nest's logger already renders in its own way. */
const OWN_FIELDS = new Set(['message', 'timestamp', 'logger']);

/**
 * Routes the Kafka client's log entries into Nest's `Logger`, one context per client namespace
 * (`Kafka Producer`, `Kafka Consumer`, …), so they end up wherever the application's logger
 * writes (pino in the services). The entry's fields (the broker's error, the broker, the retry
 * count…) go first, as an object, as the platform logs fields (nestjs-pino merges them into
 * the line); after the message, the service's pino logger would drop them.
 */
export const nestLogCreator: logCreator = () => {
  const loggers = new Map<string, Logger>();
  const loggerFor = (namespace: string): Logger => {
    let logger = loggers.get(namespace);
    if (!logger) {
      logger = new Logger(namespace ? `Kafka ${namespace}` : 'Kafka');
      loggers.set(namespace, logger);
    }
    return logger;
  };

  return ({ namespace, level, log }) => {
    const extra = Object.fromEntries(Object.entries(log).filter(([key]) => !OWN_FIELDS.has(key)));
    const args: [unknown, ...unknown[]] =
      Object.keys(extra).length > 0 ? [extra, log.message] : [log.message];
    const logger = loggerFor(namespace);
    switch (kafkaEntryLevel(level, log)) {
      case logLevel.ERROR:
        logger.error(...args);
        return;
      case logLevel.WARN:
        logger.warn(...args);
        return;
      case logLevel.INFO:
        logger.log(...args);
        return;
      case logLevel.DEBUG:
        logger.debug(...args);
        return;
      case logLevel.NOTHING:
        return;
    }
  };
};
