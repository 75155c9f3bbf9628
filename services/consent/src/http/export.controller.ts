import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

import { ConsentService } from '@gov/consent-application';
import type { ConsentExport, RequestContext } from '@gov/consent-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiJsonResponse, ApiProblems, ZodPipe, openApiSchema } from '@gov/platform-chassis';

import { NationalId } from './dto/consent.dto';
import { Context } from './request-context';

/** GDPR Art. 15: a person's consents, as one JSON document. */
@ApiTags('consents')
@ApiBearerAuth()
@Controller('persons')
@UseGuards(AuthGuard)
export class ExportController {
  constructor(private readonly consents: ConsentService) {}

  @Get(':nationalId/consent-export')
  @Roles('citizen', 'dpo')
  @ApiOperation({
    summary: 'Export a person’s consents (GDPR Art. 15)',
    description:
      'Every artefact with its status, history (each event, who and when), signed receipts and ' +
      'uses, and the uses of the person’s data permitted on a legal basis (a covert one’s only ' +
      'after its seal, except for a data-protection officer). The person, or a DPO for anyone.',
  })
  @ApiParam({ name: 'nationalId', schema: openApiSchema(NationalId) })
  @ApiJsonResponse(
    200,
    'The export',
    z.object({
      subject: z.string(),
      exportedAt: z.string(),
      consents: z.array(z.record(z.string(), z.unknown())),
      legalBasisUses: z.array(z.record(z.string(), z.unknown())),
    }),
    {
      subject: '1983081246785',
      exportedAt: '2026-03-01T10:00:00.000Z',
      consents: [],
      legalBasisUses: [],
    },
    [],
  )
  @ApiProblems(400, 401, 403)
  export(
    @Context() context: RequestContext,
    @Param('nationalId', new ZodPipe(NationalId, 'nationalId')) nationalId: string,
  ): Promise<ConsentExport> {
    return this.consents.export(context, nationalId);
  }
}
