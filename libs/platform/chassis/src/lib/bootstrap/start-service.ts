import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Logger as NestLogger, Module } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestMicroservice } from '@nestjs/microservices';
import type { OpenAPIObject } from '@nestjs/swagger';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';

import type { PlatformConfig } from '@gov/platform-config';
import { collectProcessMetrics } from '@gov/platform-observability';

import type { RejectionStatuses } from '../errors/platform-errors';
import { ProblemDetailsFilter } from '../errors/problem-details.filter';
import { HealthController } from '../health/health.controller';
import { ReadinessService } from '../health/readiness.service';
import { ChassisLogger } from '../logging/chassis-logger';
import { loggerParams } from '../logging/logger-params';
import { installHttpObservability } from '../observability/http-observability';
import { MetricsController } from '../observability/metrics.controller';
import { TracingShutdown } from '../observability/tracing-shutdown';
import { OpenApiController } from '../openapi/openapi.controller';
import { OpenApiDocumentRef } from '../openapi/openapi-document';
import type { OpenApiInfo } from '../openapi/openapi-document';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { TokenBuckets } from '../rate-limit/token-buckets';
import { CHASSIS_OPTIONS } from './chassis-options';
import type { ChassisOptions } from './chassis-options';
import {
  MessageTransports,
  MessageTransportsModule,
  RethrowToTransportFilter,
} from './message-transport';

/** 1 MiB: commands and queries are small; bulk data does not travel in request bodies. */
const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_READINESS_TIMEOUT_MS = 2_000;
/** Accepted from a caller's `x-request-id` header (a gateway's id); anything else is replaced. */
const VALID_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** What {@link startService} builds a service from. */
export interface ServiceOptions {
  /** The validated configuration; `http` says where to listen (port 0: any free port). */
  readonly config: PlatformConfig;
  /**
   * The service's root module. It must export `READINESS_CHECKS` (see `ReadinessCheck`); the
   * chassis adds logging, error responses, health probes and the OpenAPI document around it.
   */
  readonly module: Type | DynamicModule;
  readonly openapi: OpenApiInfo;
  /**
   * The HTTP status of each code the service's deciders reject with; none by default (a
   * rejection is then a 500). The rest of the error mapping is the chassis' own.
   */
  readonly rejections?: RejectionStatuses;
  /** Largest accepted request body; 1 MiB by default. Larger bodies get a 413 problem. */
  readonly bodyLimitBytes?: number;
  /** Time limit of each readiness check; 2 000 ms by default. */
  readonly readinessTimeoutMs?: number;
  /** Where log lines go; stdout by default. Tests pass a stream to read them. */
  readonly logDestination?: DestinationStream;
  /**
   * Runs after the application is created and before it listens: `bootstrapService` installs
   * its signal handling here, so a SIGTERM that arrives as soon as the service is reachable
   * already gets a graceful shutdown.
   */
  readonly beforeListen?: (app: NestFastifyApplication) => void;
}

/** A started service. */
export interface RunningService {
  readonly app: NestFastifyApplication;
  /** Base URL of the listening server, e.g. `http://127.0.0.1:3001`. */
  readonly url: string;
  readonly openApiDocument: OpenAPIObject;
  /** Stops the server, lets requests in flight finish, then runs the shutdown hooks. */
  close(): Promise<void>;
}

/**
 * Creates a service's NestJS application on Fastify with everything a platform service has in
 * common, and starts listening:
 *
 * - structured JSON logs (nestjs-pino), one line per request, with its request id, which is
 *   also returned in the `x-request-id` header;
 * - every error as `application/problem+json` (see `toProblem`);
 * - `GET /health/live`, `GET /health/ready` (see `ReadinessCheck`);
 * - `GET /metrics`, Prometheus metrics (HTTP requests by route, and whatever the platform
 *   libraries count), and the route pattern as the name of the request's span;
 * - a request rate limit per principal on every other route (`config.rateLimit`; see
 *   `RateLimitGuard`), 429 with `Retry-After` beyond it, documented on every operation;
 * - the OpenAPI document at `GET /openapi.json`.
 *
 * It installs no signal handlers: `bootstrapService` does, for a service's `main.ts`; tests
 * call this and `close()` the result.
 *
 * @throws if the application cannot be created (a module wiring error) or cannot listen.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config } = options;
  const chassisOptions: ChassisOptions = {
    rejections: options.rejections ?? {},
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    readinessTimeoutMs: options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
  };
  const openApi = new OpenApiDocumentRef();

  const adapter = new FastifyAdapter({
    bodyLimit: chassisOptions.bodyLimitBytes,
    // Nothing is trusted from forwarding headers until a deployment says which proxies it has.
    trustProxy: false,
    logger: false,
    requestIdHeader: false,
    genReqId: requestId,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    serviceRootModule(options, chassisOptions, openApi),
    adapter,
    // Without abortOnError: false, Nest calls process.abort() on a wiring error; throwing lets
    // the caller log it and exit cleanly. Nest declares these options as a class it does not
    // export, and only reads their fields: a literal is what its own documentation passes.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    { bufferLogs: true, abortOnError: false },
  );
  try {
    app.useLogger(app.get(ChassisLogger));
    const fastify = app.getHttpAdapter().getInstance();
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
    installHttpObservability(app);
    collectProcessMetrics();

    const openApiDocument = openApi.build(app, options.openapi, config.rateLimit.perMinute > 0);
    await startMessageTransport(app);
    options.beforeListen?.(app);
    await app.listen({ port: config.http.port, host: config.http.host });
    const url = listeningUrl(app);
    new NestLogger('Service').log({ url }, `${config.serviceName} listening on ${url}`);
    return { app, url, openApiDocument, close: () => app.close() };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Connects and starts the service's message transports, if its modules registered any: their
 * `@EventPattern` handlers are served from then on (the transport joins its consumer groups in
 * the background; a topic that does not exist yet is retried, not fatal).
 */
async function startMessageTransport(app: NestFastifyApplication): Promise<void> {
  const strategies = app.get(MessageTransports).all;
  if (strategies.length === 0) return;
  for (const strategy of strategies) {
    // Not inheriting the HTTP configuration: its problem+json filter means nothing to a consumer.
    // Initialization is deferred so that the filter is in place before the handlers are bound
    // (Nest binds filters when it registers listeners); the modules' init hooks already ran
    // with the application and must not run twice.
    const microservice = app.connectMicroservice({ strategy }, { deferInitialization: true });
    microservice.useGlobalFilters(new RethrowToTransportFilter());
    if (microservice instanceof NestMicroservice) microservice.setIsInitHookCalled(true);
  }
  await app.startAllMicroservices();
}

@Module({})
class ServiceRootModule {}

function serviceRootModule(
  options: ServiceOptions,
  chassisOptions: ChassisOptions,
  openApi: OpenApiDocumentRef,
): DynamicModule {
  return {
    module: ServiceRootModule,
    imports: [
      LoggerModule.forRoot(loggerParams(options.config, options.logDestination)),
      MessageTransportsModule,
      options.module,
    ],
    controllers: [HealthController, OpenApiController, MetricsController],
    providers: [
      ChassisLogger,
      { provide: CHASSIS_OPTIONS, useValue: chassisOptions },
      { provide: OpenApiDocumentRef, useValue: openApi },
      ReadinessService,
      TracingShutdown,
      { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      { provide: TokenBuckets, useValue: new TokenBuckets(options.config.rateLimit) },
      { provide: APP_GUARD, useClass: RateLimitGuard },
    ],
  };
}

function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}

function listeningUrl(app: NestFastifyApplication): string {
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
