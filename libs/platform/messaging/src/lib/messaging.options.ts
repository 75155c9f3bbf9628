import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';

/** How much of the Kafka client's own logging reaches the Nest logger. */
export type MessagingLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Configuration of {@link MessagingModule}. */
export interface MessagingModuleOptions {
  /** Identifies this service to the brokers (quotas, broker logs); usually the service name. */
  readonly clientId: string;
  /** Bootstrap brokers as `host:port`. */
  readonly brokers: readonly string[];
  /** SASL authentication (e.g. a Strimzi `KafkaUser`'s SCRAM credentials); none by default. */
  readonly sasl?: {
    readonly mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain';
    readonly username: string;
    readonly password: string;
  };
  /** TLS to the brokers, trusting the CA in this PEM file; plain TCP by default. */
  readonly tls?: { readonly caFile: string };
  /** Kafka client log level routed into Nest's `Logger`; `warn` by default. */
  readonly logLevel?: MessagingLogLevel;
  /**
   * How long {@link EventPublisher.publish} waits for the brokers' acknowledgement before it
   * fails with a `timeout` {@link MessagingError} (outcome unknown); 30 000 ms by default.
   */
  readonly publishTimeoutMs?: number;
  /**
   * How long any single request to a broker may take; 30 000 ms by default. It also bounds how
   * long shutdown waits for a broker that stopped answering.
   */
  readonly requestTimeoutMs?: number;
  /** How long the readiness check waits for the cluster to answer; 2 000 ms by default. */
  readonly readinessTimeoutMs?: number;
}

/** Configuration of {@link MessagingModule.forRootAsync}: options computed from other providers. */
export interface MessagingModuleAsyncOptions {
  /** Modules that export the providers listed in `inject`. */
  readonly imports?: ModuleMetadata['imports'];
  /** Providers handed to `useFactory`, in order. */
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** Computes the options; may be async. */
  readonly useFactory: (
    ...args: never[]
  ) => MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/** Injection token of the resolved {@link MessagingModuleOptions}; internal to this library. */
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
