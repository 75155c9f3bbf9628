/**
 * The platform's contracts, generated from `proto/` by `nx run contracts:generate` (protoc-gen-es).
 * Only this file is written by hand: it selects what the library exports. Decode and encode with
 * the `@bufbuild/protobuf` runtime (`create`, `toBinary`, `fromBinary`) and the `*Schema` values.
 *
 * @packageDocumentation
 */
export * from './gen/gov/platform/v1/envelope_pb';
