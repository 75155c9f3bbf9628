import { Readable } from 'node:stream';

import { Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { JSONWebKeySet } from 'jose';

import { AuditLog, TreeHeadSigner } from '@gov/audit-application';
import type { SignedTreeHead } from '@gov/audit-application';
import { AuthGuard, CurrentPrincipal, Roles } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import {
  ApiJsonResponse,
  ApiProblems,
  ApplicationError,
  ZodPipe,
  openApiSchema,
} from '@gov/platform-chassis';

import { answering } from './audit-errors';
import {
  ConsistencyQuery,
  EntryIdParam,
  ExportQuery,
  CONSISTENCY_FROM,
  InclusionQuery,
  TREE_SIZE_SCHEMA,
  TreeSizeParam,
} from './dto';
import { ConsistencyProof, InclusionProof, TreeHead } from './responses';

/** The parts of the Fastify reply a streamed answer uses. */
interface StreamingReply {
  header(name: string, value: string): unknown;
  send(payload: Readable): unknown;
}

/** The published key that verifies tree heads: public, like any JWKS. */
@ApiTags('tree')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly signer: TreeHeadSigner) {}

  @Get('jwks.json')
  @ApiOperation({ summary: 'The Ed25519 keys that sign tree heads (JWKS)' })
  jwks(): JSONWebKeySet {
    return this.signer.jwks();
  }
}

/** Signed tree heads, proofs and exports. */
const HEAD_EXAMPLE = {
  tree_size: 8,
  timestamp: 1796587647877,
  root_hash: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
  key_id: 'La87r9Iq5Chijh6vOA_DkWQASrpE3htMJT95bsRy7Wo',
  jws: 'eyJhbGciOiJFZERTQSJ9.eyJ0cmVlX3NpemUiOjh9.c2lnbmF0dXJl',
};

@ApiTags('tree')
@ApiBearerAuth()
@Controller()
@UseGuards(AuthGuard)
export class TreeController {
  constructor(private readonly log: AuditLog) {}

  @Get('tree-heads/latest')
  @ApiOperation({ summary: 'The latest signed tree head' })
  @ApiJsonResponse(200, 'The latest tree head', TreeHead, HEAD_EXAMPLE, [])
  @ApiProblems(401, 404)
  latest(): Promise<SignedTreeHead> {
    return answering(() => this.log.requireLatestHead());
  }

  @Get('tree-heads/:treeSize')
  @ApiOperation({ summary: 'The signed tree head of a size (one this site published)' })
  @ApiParam({ name: 'treeSize', schema: TREE_SIZE_SCHEMA })
  @ApiJsonResponse(200, 'The tree head', TreeHead, HEAD_EXAMPLE, [])
  @ApiProblems(400, 401, 404)
  async bySize(
    @Param('treeSize', new ZodPipe(TreeSizeParam, 'treeSize')) treeSize: number,
  ): Promise<SignedTreeHead> {
    const head = await this.log.headOfSize(treeSize);
    if (!head) {
      throw ApplicationError.notFound(`no tree head of ${treeSize} entries was published here`, {
        extensions: { code: 'UNKNOWN_TREE_HEAD' },
      });
    }
    return head;
  }

  @Post('tree-heads')
  @HttpCode(200)
  @Roles('auditor', 'dpo', 'operator')
  @ApiOperation({
    summary: 'Publish a tree head now',
    description: 'Signs the tree as it is; answers the existing head when none grew since.',
  })
  @ApiJsonResponse(200, 'The tree head now', TreeHead, HEAD_EXAMPLE, [])
  @ApiProblems(401, 403)
  async publish(): Promise<SignedTreeHead> {
    const head = await this.log.publish({ onlyIfGrown: false });
    if (!head) throw new Error('publish without onlyIfGrown always returns a head');
    return head;
  }

  @Get('entries/:entryId/inclusion-proof')
  @Roles('auditor', 'dpo', 'citizen')
  @ApiOperation({
    summary: 'Inclusion proof of an entry',
    description:
      'Against the tree of `treeSize` entries (the latest tree head by default). A citizen, ' +
      'for their own entries only.',
  })
  @ApiParam({ name: 'entryId', schema: openApiSchema(EntryIdParam) })
  @ApiQuery({ name: 'treeSize', required: false, schema: { ...TREE_SIZE_SCHEMA, minimum: 1 } })
  @ApiJsonResponse(
    200,
    'The proof',
    InclusionProof,
    {
      entryId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
      leafIndex: 3,
      treeSize: 8,
      leafHash: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
      auditPath: ['47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'],
    },
    [],
  )
  @ApiProblems(400, 401, 403, 404, 409)
  async inclusion(
    @CurrentPrincipal() principal: Principal,
    @Param('entryId', new ZodPipe(EntryIdParam, 'entryId')) entryId: string,
    @Query(new ZodPipe(InclusionQuery, 'query')) query: { treeSize?: number | undefined },
  ): Promise<unknown> {
    if (principal.kind === 'citizen') {
      const own = await this.log.subjectOfEntry(entryId, 'subject');
      if (own !== principal.subject) {
        // Another person's entry, or one of yours still sealed: alike, not found.
        throw ApplicationError.notFound(`no entry ${entryId} about you`, {
          extensions: { code: 'UNKNOWN_ENTRY' },
        });
      }
    }
    return answering(() => this.log.inclusionProofOfEntry(entryId, query.treeSize));
  }

  @Get('proofs/consistency')
  @ApiOperation({
    summary: 'Consistency proof between two tree sizes (RFC 9162 §2.1.4)',
    description: '`first` must not exceed `second` (400); a size beyond the tree is a 409.',
  })
  @ApiQuery({ name: 'first', required: true, schema: { ...TREE_SIZE_SCHEMA, minimum: 1 } })
  @ApiQuery({ name: 'second', required: true, schema: { ...TREE_SIZE_SCHEMA, minimum: 1 } })
  @ApiJsonResponse(
    200,
    'The proof',
    ConsistencyProof,
    { first: 4, second: 8, proof: ['47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'] },
    [],
  )
  @ApiProblems(400, 401, 409)
  async consistency(
    @Query(new ZodPipe(ConsistencyQuery, 'query')) query: { first: number; second: number },
  ): Promise<{ first: number; second: number; proof: string[] }> {
    return {
      ...query,
      proof: await answering(() => this.log.consistencyProof(query.first, query.second)),
    };
  }

  @Get('export')
  @Roles('auditor', 'dpo')
  @ApiOperation({
    summary: 'Export the whole log for the offline verifier (NDJSON)',
    description:
      '`application/x-ndjson`, streamed: the first line is the export without `entries` (the ' +
      'latest tree head, earlier heads with their consistency proofs; `consistencyFrom` adds ' +
      'heads the caller kept), then one line `{leafIndex, leaf}` per entry in leaf order.',
  })
  @ApiQuery({ name: 'consistencyFrom', required: false, schema: openApiSchema(CONSISTENCY_FROM) })
  @ApiResponse({
    status: 200,
    description: 'The export, one JSON document per line',
    content: { 'application/x-ndjson': { schema: { type: 'string' } } },
  })
  @ApiProblems(400, 401, 403, 404, 409)
  async export(
    @Query(new ZodPipe(ExportQuery, 'query')) query: { consistencyFrom?: number[] | undefined },
    @Res() reply: StreamingReply,
  ): Promise<void> {
    const lines = await answering(() => this.log.exportLogLines(query.consistencyFrom));
    reply.header('content-type', 'application/x-ndjson');
    await reply.send(Readable.from(lines));
  }
}
