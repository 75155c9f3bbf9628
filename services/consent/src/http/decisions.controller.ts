import { Body, Controller, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';

import { DecisionService } from '@gov/consent-application';
import type { Decision, RequestContext } from '@gov/consent-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiJsonResponse, ApiProblems, ZodPipe, openApiSchema } from '@gov/platform-chassis';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';

import { DecisionBody, DecisionSchema } from './dto/consent.dto';
import type { DecisionDto } from './dto/consent.dto';
import { Context } from './request-context';

/** The decision API: may an organisation use a person's data? */
@ApiTags('decisions')
@ApiBearerAuth()
@Controller('decisions')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class DecisionsController {
  constructor(private readonly decisions: DecisionService) {}

  @Post()
  @HttpCode(200)
  @Roles('agency')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'May your organisation use these categories of this person for this purpose?',
    description:
      'The organisation is the token’s. A permit names the legal basis of the catalogue or the ' +
      'consent artefact that permits, and the categories permitted: never more than asked; a ' +
      'basis covering only some of them permits that subset (the rest in deniedCategories). ' +
      'A permit is recorded (gov.consent.v1.AccessPermitted) and counts one use of the ' +
      'artefact. A deny says why (code, reason); SUBJECT_ERASED for every request about a ' +
      'person the registry erased. With an Idempotency-Key, a retry answers the first decision.',
  })
  @ApiBody({
    schema: openApiSchema(DecisionBody),
    examples: {
      decision: {
        value: {
          subject: '1983081246785',
          categories: ['persons.address', 'personal-space.bank-account'],
          purpose: 'family-allowance-eligibility',
          procedureId: 'allocation-familiale',
        },
      },
    },
  })
  @ApiJsonResponse(
    200,
    'The decision',
    DecisionSchema,
    {
      decision: 'permit',
      decisionId: '01931f0e-8f6a-7c3e-9d4b-2a1c0e9f8d7b',
      categories: ['persons.address'],
      deniedCategories: ['personal-space.bank-account'],
      basis: 'legal-basis',
      consentId: null,
      useNumber: null,
      legalBasisId: 'ccss-family-allowances',
      provision: 'Code de la sécurité sociale, art. 269',
      sealedUntil: null,
      decidedAt: '2026-03-01T10:00:00.000Z',
    },
    [],
  )
  @ApiProblems(400, 401, 403, 413, 415)
  decide(
    @Context() context: RequestContext,
    @Body(new ZodPipe(DecisionBody)) body: DecisionDto,
  ): Promise<Decision> {
    return this.decisions.decide(context, body);
  }
}
