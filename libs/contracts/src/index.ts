/**
 * The platform's contracts, generated from `proto/` by `nx run contracts:generate` (protoc-gen-es).
 * Only this file is written by hand: it selects what the library exports. Decode and encode with
 * the `@bufbuild/protobuf` runtime (`create`, `toBinary`, `fromBinary`) and the `*Schema` values.
 *
 * @packageDocumentation
 */
export * from './gen/gov/platform/v1/envelope_pb';
export * from './gen/gov/platform/v1/keys_pb'; // the keys topics (<service>.keys.v1)
// gov.registry.v1: value types, the internal event payloads (registry.events.v1), the public
// change feed (registry.changes.v1) and correction notices (registry.correction-notices.v1).
// Exported flat: no name clashes with gov.platform.v1.
export * from './gen/gov/registry/v1/types_pb';
export * from './gen/gov/registry/v1/events_pb';
export * from './gen/gov/registry/v1/changes_pb';
export * from './gen/gov/registry/v1/notices_pb';
// gov.registry.vehicles.v1: the register of vehicles' events and record (RecordChange's
// `vehicle`). No name clashes with gov.registry.v1.
export * from './gen/gov/registry/vehicles/v1/vehicles_pb';
// gov.consent.v1: the consent service's events (consent.events.v1).
export * from './gen/gov/consent/v1/access_pb';
export * from './gen/gov/consent/v1/events_pb';
// gov.audit.v1: the audit service's events (audit.events.v1). AccessCapacity, not AccessorRole
// (gov.registry.v1 has that name).
export * from './gen/gov/audit/v1/events_pb';
export * from './gen/gov/procedures/v1/events_pb'; // gov.procedures.v1 (procedures.events.v1)
// gov.letterbox.v1: the letterbox service's events (letterbox.events.v1).
export * from './gen/gov/letterbox/v1/events_pb';
