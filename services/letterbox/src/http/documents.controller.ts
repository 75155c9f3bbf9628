import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';

import { documentsDigest } from '@gov/letterbox-application';
import type { DocumentsDigest } from '@gov/letterbox-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiJsonResponse, ApiProblems } from '@gov/platform-chassis';

const DocumentsDigestSchema = z.object({
  documents: z.number().int(),
  bytes: z.number().int(),
  digest: z.string().describe('sha256: over every (SHA-256, length), in SHA-256 order'),
  missing: z.number().int().describe('Documents this site’s letters need and it does not hold'),
  missingSha256: z.array(z.string()),
});

/** The content store's digest, compared across sites by the drill (operators). */
@ApiTags('replication')
@ApiBearerAuth()
@Controller('documents')
@UseGuards(AuthGuard)
export class DocumentsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('digest')
  @Roles('operator')
  @ApiOperation({
    summary: 'Digest of the documents this site holds',
    description:
      'Over each document’s SHA-256 and length (each was hashed when stored): equal on both ' +
      'sites when the embassy holds the same bytes; `missing` counts the documents that letters ' +
      'whose content is kept name and this site lacks.',
  })
  @ApiJsonResponse(200, 'The digest', DocumentsDigestSchema, { documents: 0 }, [])
  @ApiProblems(401, 403)
  digest(): Promise<DocumentsDigest> {
    return documentsDigest(this.dataSource.manager);
  }
}
