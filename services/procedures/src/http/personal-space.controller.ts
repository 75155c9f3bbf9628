import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Put,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from 'zod';

import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApplicationError, ApiProblems, ZodPipe, openApiSchema } from '@gov/platform-chassis';
import { PersonalSpaceService } from '@gov/procedures-application';
import type { RequestContext } from '@gov/procedures-application';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';

import { ItemBody, ItemParam, itemValue } from './dto/procedures.dto';
import { JSON_ANSWER } from './case-step-route';
import { Context } from './request-context';

const itemParam = new ZodPipe(ItemParam, 'item');

/** The person's personal space: data they add for reuse in procedures. */
@ApiTags('personal-space')
@ApiBearerAuth()
@Controller('personal-space')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class PersonalSpaceController {
  constructor(private readonly space: PersonalSpaceService) {}

  @Get()
  @ApiResponse({ status: 200, description: 'Your personal space', content: JSON_ANSWER })
  @Roles('citizen')
  @ApiOperation({
    summary: 'Your personal space: the items and their history',
    description:
      'Each value is sealed under your key in the log and opened here. Once the registry erased ' +
      'you, your personal space is gone: 410 DATA_ERASED, as every change of it. 503 ' +
      'KEY_NOT_REPLICATED on the embassy while your key has not reached it yet.',
  })
  @ApiProblems(401, 403, 410, 503)
  read(@Context() context: RequestContext) {
    return this.space.read(context);
  }

  @Put(':item')
  @ApiResponse({ status: 200, description: 'Set (or already so)', content: JSON_ANSWER })
  @ApiParam({ name: 'item', schema: openApiSchema(ItemParam) })
  @ApiBody({ schema: openApiSchema(ItemBody) })
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({ summary: 'Set an item (bank-account, phone, email)' })
  @ApiProblems(400, 401, 403, 410, 413, 415)
  set(
    @Context() context: RequestContext,
    @Param('item', itemParam) item: z.output<typeof ItemParam>,
    @Body(new ZodPipe(ItemBody)) body: z.output<typeof ItemBody>,
  ) {
    const value = itemValue(item, body.value);
    if (!value.ok) {
      throw ApplicationError.validationFailed('invalid value', [
        { field: 'value', message: value.message },
      ]);
    }
    return this.space.set(context, item, value.value);
  }

  @Delete(':item')
  @ApiResponse({ status: 200, description: 'Removed (or nothing to remove)', content: JSON_ANSWER })
  @ApiParam({ name: 'item', schema: openApiSchema(ItemParam) })
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({ summary: 'Remove an item' })
  @ApiProblems(400, 401, 403, 410)
  clear(
    @Context() context: RequestContext,
    @Param('item', itemParam) item: z.output<typeof ItemParam>,
  ) {
    return this.space.clear(context, item);
  }
}
