import { Readable } from 'node:stream';

import { Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JSONWebKeySet } from 'jose';

import { AuditLog, TreeHeadSigner } from '@gov/audit-application';
import type { SignedTreeHead } from '@gov/audit-application';
import { AuthGuard, CurrentPrincipal, Roles } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import { ApiProblems, ApplicationError, ZodPipe } from '@gov/platform-chassis';

import { answering } from './audit-errors';
import { ConsistencyQuery, EntryIdParam, ExportQuery, InclusionQuery, TreeSizeParam } from './dto';

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
@ApiTags('tree')
@ApiBearerAuth()
@Controller()
@UseGuards(AuthGuard)
export class TreeController {
  constructor(private readonly log: AuditLog) {}

  @Get('tree-heads/latest')
  @ApiOperation({ summary: 'The latest signed tree head' })
  @ApiProblems(401, 404)
  latest(): Promise<SignedTreeHead> {
    return answering(() => this.log.requireLatestHead());
  }

  @Get('tree-heads/:treeSize')
  @ApiOperation({ summary: 'The signed tree head of a size (one this site published)' })
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
  @ApiProblems(400, 401, 403, 404)
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
  @ApiOperation({ summary: 'Consistency proof between two tree sizes (RFC 9162 §2.1.4)' })
  @ApiProblems(400, 401)
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
  @ApiProblems(400, 401, 403, 404)
  async export(
    @Query(new ZodPipe(ExportQuery, 'query')) query: { consistencyFrom?: number[] | undefined },
    @Res() reply: StreamingReply,
  ): Promise<void> {
    const lines = await answering(() => this.log.exportLogLines(query.consistencyFrom));
    reply.header('content-type', 'application/x-ndjson');
    await reply.send(Readable.from(lines));
  }
}
