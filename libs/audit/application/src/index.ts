/**
 * The audit service's application layer: access entries and their canonical leaf, the
 * mapping from the sources' events and from the records delivered on agencies' change feeds,
 * the Merkle tree as a projection of the audit log, proofs and signed tree heads, a person's
 * access log with sealing, exports and their offline verifier.
 *
 * @packageDocumentation
 */
export {
  LEAF_FORMAT,
  NotACanonicalLeafError,
  canonicalLeafOf,
  canonicalLeafText,
  entryIdFor,
  entryLeafHash,
  leafBytesOf,
  parseCanonicalLeaf,
} from './lib/entry/access-entry';
export type {
  AccessCapacityName,
  AccessEntry,
  CanonicalLeaf,
  EntrySource,
} from './lib/entry/access-entry';
export {
  ACCESS_RECORDED,
  AUDIT_PAYLOAD_SCHEMA_VERSION,
  MalformedEntryError,
  decodeAccessRecorded,
  encodeAccessRecorded,
  entryStreamId,
} from './lib/entry/access-recorded.codec';
export {
  ACCESS_PERMITTED,
  CORRECTION_COMMUNICATED,
  CORRECTION_RECIPIENT_LEGAL_BASIS,
  CORRECTION_RECIPIENT_PURPOSE,
  InvalidSourceEventError,
  LETTER_CONTENT_READ,
  LETTER_READ_FIELDS,
  LETTER_READ_PURPOSE,
  PERSONAL_DATA_ACCESSED,
  entriesFromCorrectionCommunicated,
  entryFromConsentEvent,
  entryFromLetterboxEvent,
  entryFromRegistryEvent,
} from './lib/entry/access-sources';
export {
  DEFAULT_FEED_TOPIC_TEMPLATE,
  FEED_DELIVERY_PURPOSE,
  FEED_EVENT_ID_HEADER,
  RECORD_CHANGE,
  UndecodableFeedRecordError,
  entriesFromFeedRecord,
  feedDeliveryEntryId,
  feedTopicOf,
} from './lib/entry/feed-deliveries';
export type { FeedCatalogue, FeedRecord } from './lib/entry/feed-deliveries';
export {
  AUDIT_APP_SCHEMA,
  AUDIT_ENTITIES,
  AUDIT_EVENT_STORE_SCHEMA,
  AUDIT_MIGRATIONS,
  AUDIT_SCHEMAS,
  AuditTree1765000000500,
  TreeHeadEntity,
} from './lib/postgres/audit-schema';
export type { TreeHeadRow } from './lib/postgres/audit-schema';
export { AUDIT_TREE_PROJECTION, auditTreeProjection } from './lib/postgres/tree-projection';
export {
  consistencyProofAt,
  fetchNodes,
  inclusionProofAt,
  rootAt,
  treeSize,
} from './lib/postgres/tree-nodes';
export {
  TREE_HEAD_TYPE,
  TreeHeadSignatureError,
  TreeHeadSigner,
  verifyTreeHead,
} from './lib/tree-heads/tree-head-signer';
export type { SignedTreeHead, TreeHeadPayload } from './lib/tree-heads/tree-head-signer';
export { AuditLog, AuditQueryError, EXPORT_FORMAT, b64 } from './lib/audit-log';
export type {
  AccessLogPage,
  AccessLogReader,
  AuditExport,
  AuditQueryProblem,
  EntryView,
  InclusionProofView,
} from './lib/audit-log';
export { verifyExport, verifyExportStream } from './lib/verify/verify-export';
export type { Finding, FindingCode, VerifyOptions, VerifyResult } from './lib/verify/verify-export';
