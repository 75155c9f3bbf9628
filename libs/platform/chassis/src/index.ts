/**
 * The service chassis: what every NestJS service of the platform has in common. Start a
 * service with {@link bootstrapService} (its `main.ts`) or {@link startService} (tests); report
 * refusals as {@link ApplicationError}s; declare dependencies as {@link ReadinessCheck}s.
 */
export { bootstrapService } from './lib/bootstrap/bootstrap-service';
export type { BootstrapOptions } from './lib/bootstrap/bootstrap-service';
export { startService } from './lib/bootstrap/start-service';
export type { RunningService, ServiceOptions } from './lib/bootstrap/start-service';
export { MESSAGE_TRANSPORT, MessageTransports } from './lib/bootstrap/message-transport';
export type { OpenApiInfo } from './lib/openapi/openapi-document';
export { ApiProblemResponses } from './lib/openapi/problem-responses';
export { RATE_LIMIT_PRINCIPAL, UNLIMITED_ROUTES } from './lib/rate-limit/rate-limit.guard';
export type { RateLimitPrincipal } from './lib/rate-limit/rate-limit.guard';
export { TokenBuckets } from './lib/rate-limit/token-buckets';
export type { RateDecision } from './lib/rate-limit/token-buckets';

export { ApplicationError } from './lib/errors/application-error';
export type {
  ApplicationErrorKind,
  ApplicationErrorOptions,
  ApplicationErrorReason,
} from './lib/errors/application-error';
export { toApplicationError } from './lib/errors/platform-errors';
export type { RejectionStatus, RejectionStatuses } from './lib/errors/platform-errors';
export { PROBLEM_CONTENT_TYPE } from './lib/errors/problem-details';
export type { FieldError, ProblemDetails } from './lib/errors/problem-details';

export { READINESS_CHECKS } from './lib/health/readiness-check';
export type { ReadinessCheck } from './lib/health/readiness-check';
export type { CheckResult, ReadinessReport } from './lib/health/readiness.service';

export { PostgresModule } from './lib/postgres/postgres.module';
export { PostgresReadinessCheck } from './lib/postgres/postgres-readiness.check';
export { PG_POOL } from './lib/postgres/postgres.options';
export type { PostgresModuleOptions } from './lib/postgres/postgres.options';

export {
  IfMatch,
  commandRequestMeta,
  header,
  parseIfMatch,
  parseTraceparent,
  setETag,
  withETag,
} from './lib/http/http-request';
export type {
  CommandRequestMeta,
  HttpReply,
  HttpRequest,
  IdempotencySeed,
} from './lib/http/http-request';
export { ZodPipe, fieldErrors, openApiSchema } from './lib/http/zod.pipe';
export {
  ApiIfMatch,
  ApiJsonResponse,
  ApiProblems,
  PROBLEM_DESCRIPTIONS,
  Problem,
} from './lib/http/openapi.decorators';
