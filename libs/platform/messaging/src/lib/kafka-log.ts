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
    switch (level) {
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
