/**
 * The contract fuzzer: requests generated from a service's OpenAPI document (valid ones, and
 * ones that break one constraint), answers checked against the same document. The rules per
 * service and operation (which role, which business refusals) belong to whoever runs it:
 * `tools/contract-fuzz`, so that a new route is declared there, not in this library.
 *
 * @packageDocumentation
 */
export { fuzzService } from './lib/contract-fuzz';
export type { Finding, FuzzPlan, OperationRule } from './lib/contract-fuzz';
export type { OpenApiDocument } from './lib/openapi-operations';
export { SERVICES, startPlatform } from './lib/platform-under-test';
export type { ServiceName } from './lib/platform-under-test';
