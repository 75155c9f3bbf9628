import { Logger as NestLogger } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import { destination, pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';

import { ConfigError, loadConfig } from '@gov/platform-config';
import type { ConfigSchema, PlatformConfig } from '@gov/platform-config';
import { startTracing } from '@gov/platform-observability';

import type { RejectionStatuses } from '../errors/platform-errors';
import { baseLoggerOptions } from '../logging/logger-params';
import type { OpenApiInfo } from '../openapi/openapi-document';
import { startService } from './start-service';

/** What a service's `main.ts` hands to {@link bootstrapService}. */
export interface BootstrapOptions<C extends PlatformConfig> {
  /** The service's name, as in its configuration; names the process in start-up failures. */
  readonly name: string;
  /** Reads and validates the service's configuration from `process.env`. */
  readonly config: ConfigSchema<C>;
  /** The service's root module, built from its configuration. */
  readonly module: (config: C) => Type | DynamicModule;
  readonly openapi: OpenApiInfo;
  /** The HTTP status of each code the service's deciders reject with (see `startService`). */
  readonly rejections?: RejectionStatuses;
}

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Runs a service as its process's main program: loads the configuration, starts tracing if
 * the `OTEL_*` variables configure an exporter (see `startTracing`; the service's `main.ts`
 * imports `@gov/platform-observability/instrument` first), starts the service
 * (see `startService`) and stops it gracefully on SIGTERM or SIGINT, exiting with 0.
 *
 * Never rejects. An invalid configuration is logged as one fatal line that names every bad
 * variable (no stack: it is an operator's mistake, not a bug) and the process exits with 1; so
 * does any other start-up failure, logged with its stack. A shutdown that takes longer than
 * `SHUTDOWN_GRACE_MS` is abandoned with exit code 1.
 *
 * Start-up failures go to stderr, as JSON like every other line, because the request logger
 * may not exist yet.
 */
export async function bootstrapService<C extends PlatformConfig>(
  options: BootstrapOptions<C>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig(options.config);
  } catch (error) {
    const logger = startupLogger(options.name);
    if (error instanceof ConfigError) {
      logger.fatal({ issues: error.issues }, error.message);
    } else {
      logger.fatal({ err: error }, 'Could not read the configuration');
    }
    process.exitCode = 1;
    return;
  }

  try {
    // Before the application exists: its first spans (start-up queries) need the SDK.
    await startTracing(config.serviceName);
    await startService({
      config,
      module: options.module(config),
      openapi: options.openapi,
      ...(options.rejections === undefined ? {} : { rejections: options.rejections }),
      // Before listening: a signal must never find the process reachable but unprepared.
      beforeListen: (app) => {
        app.enableShutdownHooks([...SHUTDOWN_SIGNALS], { useProcessExit: true });
        armShutdownDeadline(config);
      },
    });
    // The last line of every run, whichever way it ends (log lines are written synchronously).
    process.once('exit', (exitCode) => {
      new NestLogger('Service').log({ exitCode }, 'Stopped');
    });
  } catch (error) {
    startupLogger(options.name).fatal({ err: error }, `${options.name} failed to start`);
    // Whatever was created (pools, clients) may hold the event loop open: leave now.
    process.exit(1);
  }
}

/**
 * Nest runs the shutdown (stop accepting, finish requests in flight, shutdown hooks) and exits
 * with 0; this only bounds it in time, so that a hung dependency cannot keep a terminating
 * pod alive until the orchestrator kills it without a word.
 */
function armShutdownDeadline(config: PlatformConfig): void {
  const logger = new NestLogger('Service');
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.log({ signal, graceMs: config.shutdownGraceMs }, `Received ${signal}, shutting down`);
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${config.shutdownGraceMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownGraceMs).unref();
  };
  for (const signal of SHUTDOWN_SIGNALS) process.once(signal, onSignal);
}

function startupLogger(serviceName: string): PinoLogger {
  return pino(
    baseLoggerOptions({ serviceName, logLevel: 'info' }),
    destination({ dest: 2, sync: true }),
  );
}
