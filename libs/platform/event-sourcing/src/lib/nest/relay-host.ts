import { Logger } from '@nestjs/common';
import type {
  DynamicModule,
  InjectionToken,
  ModuleMetadata,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OptionalFactoryDependency,
  Provider,
  Type,
} from '@nestjs/common';

import type { KafkaAdmin, TopicSpec } from '@gov/platform-messaging';

import type { RelayLogger } from '../relay/outbox-relay';

/** What a {@link RelayHost} runs: an `OutboxRelay`, whatever it publishes. */
export interface HostedRelay {
  start(): void;
  stop(): Promise<void>;
}

/** A {@link RelayLogger} on Nest's `Logger`, with `context`. */
export function nestRelayLogger(context: string): RelayLogger {
  const logger = new Logger(context);
  return {
    log: (message) => {
      logger.log(message);
    },
    warn: (message) => {
      logger.warn(message);
    },
    error: (message, error) => {
      logger.error(message, error instanceof Error ? error.stack : String(error));
    },
  };
}

/**
 * Runs a relay with a Nest application: its topic is ensured (if it has a spec) and the relay
 * started once the application has bootstrapped; it is stopped first on shutdown
 * (`onModuleDestroy`), finishing the batch in flight while the publisher and the pool are still
 * open. The base of `OutboxRelayService` and of the relay services of other libraries.
 */
export abstract class RelayHost<R extends HostedRelay>
  implements OnApplicationBootstrap, OnModuleDestroy
{
  /**
   * @param hosted - The relay to run.
   * @param admin - Where the topic is ensured.
   * @param topicSpec - The topic to create at start-up if missing; none to leave topics alone.
   */
  protected constructor(
    protected readonly hosted: R,
    private readonly admin: KafkaAdmin,
    private readonly topicSpec: TopicSpec | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.topicSpec) {
      await this.admin.ensureTopics([this.topicSpec]);
    }
    this.hosted.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.hosted.stop();
  }
}

/** Configuration of a relay module's `forRootAsync`: its options computed from providers. */
export interface RelayModuleAsyncOptions<O> {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  readonly useFactory: (...args: never[]) => O | Promise<O>;
}

/**
 * The dynamic module of a relay module's `forRoot` (`{ useValue }`) or `forRootAsync`: the
 * options under `token`, and the `service` (a {@link RelayHost}) provided and exported.
 */
export function relayModule<O>(
  module: Type,
  service: Type<RelayHost<HostedRelay>>,
  token: symbol,
  options: { readonly useValue: O } | RelayModuleAsyncOptions<O>,
): DynamicModule {
  const optionsProvider: Provider =
    'useFactory' in options
      ? {
          provide: token,
          // Nest calls the factory with the providers listed in `inject`, whatever their types.
          useFactory: options.useFactory as (...args: unknown[]) => O | Promise<O>,
          inject: options.inject ?? [],
        }
      : { provide: token, useValue: options.useValue };
  return {
    module,
    imports: 'useFactory' in options ? (options.imports ?? []) : [],
    providers: [optionsProvider, service],
    exports: [service],
  };
}
