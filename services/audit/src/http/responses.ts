import { z } from 'zod';

// What the audit service answers, for its OpenAPI document. Entries' leaves are described by the
// export format (services/audit/README.md, "Export"), not repeated here.

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/);

/** A signed tree head (RFC 9162 §4.10 in spirit): the tree's size, time and root, signed. */
export const TreeHead = z
  .object({
    tree_size: z.int().min(0).describe('Entries in the tree'),
    timestamp: z.int().min(0).describe('When it was signed, in milliseconds since the epoch'),
    root_hash: base64url.describe('The tree’s root hash, base64url'),
    key_id: z.string().describe('The signing key’s id (see /.well-known/jwks.json)'),
    jws: z.string().describe('Compact JWS over tree_size, timestamp and root_hash'),
  })
  .describe('A signed tree head');

/** An inclusion proof of one entry. */
export const InclusionProof = z
  .object({
    entryId: z.uuid(),
    leafIndex: z.int().min(0),
    treeSize: z.int().min(1),
    leafHash: base64url,
    auditPath: z.array(base64url).describe('PATH(leafIndex, D[treeSize]), bottom-up'),
  })
  .describe('The entry’s inclusion proof against the tree of treeSize entries');

/** A consistency proof between two tree sizes. */
export const ConsistencyProof = z.object({
  first: z.int().min(1),
  second: z.int().min(1),
  proof: z.array(base64url).describe('PROOF(first, D[second]) (RFC 9162 §2.1.4)'),
});

const Entry = z.object({
  leafIndex: z.int().min(0),
  leaf: z.record(z.string(), z.unknown()).describe('The canonical leaf'),
  inclusionProof: InclusionProof.omit({ entryId: true }).optional(),
});

/** A page of a person's access log. */
export const AccessLogPage = z.object({
  subjectNationalId: z.string().regex(/^\d{13}$/),
  treeHead: TreeHead.nullable().describe('The head every proof is against; null before the first'),
  entries: z.array(Entry).describe('Newest first'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next (older) page'),
});

/** A person's export, for the offline verifier. */
export const SubjectExport = z.object({
  format: z.literal('gov.audit.v1.export'),
  scope: z.enum(['log', 'subject']),
  subjectNationalId: z.string().nullable(),
  treeHead: TreeHead,
  earlierTreeHeads: z.array(TreeHead.extend({ consistencyProof: z.array(base64url) })),
  entries: z.array(Entry),
});
