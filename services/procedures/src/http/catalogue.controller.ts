import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ApplicationError, ApiProblems, ZodPipe, openApiSchema } from '@gov/platform-chassis';
import { ProcedureCatalogue } from '@gov/procedures-application';
import type { ProcedureDefinition } from '@gov/procedures-application';

import { ProcedureId, VersionParam } from './dto/procedures.dto';
import { JSON_ANSWER } from './case-step-route';

/** The catalogue is public: what a procedure asks and where its prefill comes from. */
function view(catalogue: ProcedureCatalogue, definition: ProcedureDefinition) {
  return {
    ...definition,
    versions: catalogue.versions(definition.id),
    sources: ProcedureCatalogue.sourcesOf(definition),
  };
}

/** The catalogue of procedures: versioned definitions, read by anyone. */
@ApiTags('catalogue')
@Controller('procedures')
export class CatalogueController {
  constructor(private readonly catalogue: ProcedureCatalogue) {}

  @Get()
  @ApiResponse({ status: 200, description: 'The catalogue', content: JSON_ANSWER })
  @ApiOperation({ summary: 'Every procedure, at its latest version' })
  list() {
    return { items: this.catalogue.list().map((d) => view(this.catalogue, d)) };
  }

  @Get(':procedureId')
  @ApiResponse({
    status: 200,
    description: 'The latest version of the procedure',
    content: JSON_ANSWER,
  })
  @ApiParam({ name: 'procedureId', schema: openApiSchema(ProcedureId) })
  @ApiOperation({ summary: 'A procedure at its latest version' })
  @ApiProblems(400, 404)
  latest(@Param('procedureId', new ZodPipe(ProcedureId, 'procedureId')) id: string) {
    const definition = this.catalogue.latest(id);
    if (definition === undefined) throw ApplicationError.notFound(`no procedure ${id}`);
    return view(this.catalogue, definition);
  }

  @Get(':procedureId/versions/:version')
  @ApiResponse({ status: 200, description: 'That version of the procedure', content: JSON_ANSWER })
  @ApiParam({ name: 'procedureId', schema: openApiSchema(ProcedureId) })
  @ApiParam({ name: 'version', schema: { type: 'integer', minimum: 1, maximum: 10_000 } })
  @ApiOperation({ summary: 'One version of a procedure (a draft keeps the one it started with)' })
  @ApiProblems(400, 404)
  version(
    @Param('procedureId', new ZodPipe(ProcedureId, 'procedureId')) id: string,
    @Param('version', new ZodPipe(VersionParam, 'version')) version: number,
  ) {
    const definition = this.catalogue.version(id, version);
    if (definition === undefined) {
      throw ApplicationError.notFound(`no procedure ${id} version ${version}`);
    }
    return view(this.catalogue, definition);
  }
}
