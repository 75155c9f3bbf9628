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
];

/**
 * The level a client log entry is written at: the client's own, except that a failed request
 * for a topic that does not exist yet goes to debug (see `EXPECTED_WHILE_WAITING`).
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
 * writes (pino in the services).
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
    const params: unknown[] = Object.keys(extra).length > 0 ? [extra] : [];
    const message = log.message;
    const logger = loggerFor(namespace);
    switch (kafkaEntryLevel(level, log)) {
      case logLevel.ERROR:
        logger.error(message, ...params);
        return;
      case logLevel.WARN:
        logger.warn(message, ...params);
        return;
      case logLevel.INFO:
        logger.log(message, ...params);
        return;
      case logLevel.DEBUG:
        logger.debug(message, ...params);
        return;
      case logLevel.NOTHING:
        return;
    }
  };
};
