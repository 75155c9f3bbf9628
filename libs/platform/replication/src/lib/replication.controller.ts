import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';

import { ApplicationError } from '@gov/platform-chassis';
import { AuthGuard, Roles } from '@gov/platform-auth';

import {
  ApiJson,
  ApiProblems,
  DIGEST_EXAMPLE,
  DIGEST_SCHEMA,
  PROMOTION_EXAMPLE,
  PROMOTION_SCHEMA,
  ROLE_CHANGE_EXAMPLE,
  ROLE_CHANGE_SCHEMA,
  STATUS_EXAMPLE,
  STATUS_SCHEMA,
} from './openapi';
import { ReplicationService } from './replication.service';
import type { Promotion, ReplicationStatus } from './replication.service';
import type { RoleChange } from './site-role';

// At most 18 digits: every such number fits the log's bigint positions (19 digits may not).
const POSITION = /^\d{1,18}$/;
const MAX_REASON = 500;

const REASON_BODY = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: {
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_REASON,
      pattern: '\\S',
      description: 'Why, for the record (change ticket, incident); not blank.',
    },
  },
};

/**
 * The operator's view and levers of one service's replication: status and digests for
 * `embassy-sync` and dashboards, fencing and promotion for failover drills and real failovers.
 * Operator tokens only.
 */
@ApiTags('replication')
@ApiBearerAuth()
@Controller('replication')
@UseGuards(AuthGuard)
export class ReplicationController {
  constructor(private readonly replication: ReplicationService) {}

  @Get('status')
  @Roles('operator')
  @ApiOperation({
    summary: 'Replication status of this service on this site',
    description:
      'Role, the gapless head of the log and when its event was recorded, relay checkpoints, and ' +
      'on a replica the streams halted by a broken hash chain and the dead-lettered records.',
  })
  @ApiJson(200, 'The status', STATUS_SCHEMA, STATUS_EXAMPLE)
  @ApiProblems(401, 403)
  status(): Promise<ReplicationStatus> {
    return this.replication.status();
  }

  @Get('digest')
  @Roles('operator')
  @ApiOperation({
    summary: 'State digest at a log position',
    description:
      'SHA-256 hash chain over every event of the log up to the position (every envelope field), ' +
      'and a SHA-256 over the rows of each projection (read model) at its own checkpoint. ' +
      'Equal log digests at the same position on two sites mean identical logs; equal ' +
      'projection digests at the same checkpoint mean identical read models.',
  })
  @ApiQuery({
    name: 'position',
    required: false,
    description: 'A log position (a non-negative integer); default: the head',
    schema: { type: 'string', pattern: POSITION.source },
  })
  @ApiQuery({
    name: 'projections',
    required: false,
    enum: ['true', 'false'],
    description:
      'Default true. `false` leaves the projections out (each is a full read of its tables): ' +
      'for callers that compare logs only, such as embassy-sync’s checkpoints',
  })
  @ApiJson(200, 'The digest', DIGEST_SCHEMA, DIGEST_EXAMPLE)
  @ApiProblems(400, 401, 403, 409)
  async digest(
    @Query('position') position?: string,
    @Query('projections') projections?: string,
  ): Promise<DigestBody> {
    if (position !== undefined && !POSITION.test(position)) {
      throw ApplicationError.validationFailed('position must be a non-negative integer', [
        { field: 'position', message: 'must be a non-negative integer' },
      ]);
    }
    if (projections !== undefined && projections !== 'true' && projections !== 'false') {
      throw ApplicationError.validationFailed('projections must be true or false', [
        { field: 'projections', message: 'must be true or false' },
      ]);
    }
    const digest = await this.replication.digest(
      position === undefined ? undefined : BigInt(position),
      { projections: projections !== 'false' },
    );
    return {
      service: digest.service,
      position: digest.position.toString(),
      digest: digest.digest,
      projections: Object.fromEntries(
        digest.projections.map((p) => [
          p.name,
          { position: p.position.toString(), digest: p.digest, rows: p.rows },
        ]),
      ),
    };
  }

  @Post('fence')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({
    summary: 'Fence this primary (planned failover, step one)',
    description: 'The site refuses writes from now on; its relay goes on publishing what it has.',
  })
  @ApiBody({ schema: REASON_BODY, examples: { drill: { value: { reason: 'failover drill' } } } })
  @ApiJson(200, 'Fenced', ROLE_CHANGE_SCHEMA, ROLE_CHANGE_EXAMPLE)
  @ApiProblems(400, 401, 403, 409)
  async fence(@Body() body: unknown): Promise<RoleChange> {
    return this.replication.fence(reasonOf(body));
  }

  @Post('promote')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({
    summary: 'Promote this site to primary',
    description:
      'A replica stops replaying, keeps its log up to the gapless head (events beyond a gap are ' +
      'discarded and counted) and accepts writes; a fenced primary is unfenced.',
  })
  @ApiBody({ schema: REASON_BODY, examples: { drill: { value: { reason: 'failover drill' } } } })
  @ApiJson(200, 'Promoted', PROMOTION_SCHEMA, PROMOTION_EXAMPLE)
  @ApiProblems(400, 401, 403, 409)
  promote(@Body() body: unknown): Promise<Promotion> {
    return this.replication.promote(reasonOf(body));
  }

  @Post('demote')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({
    summary: 'Make this fenced site a replica (failback)',
    description:
      'After a failover, the former primary follows the promoted site: it replays its log ' +
      '(MirrorMaker 2 running the other way) and skips the events it already holds. A log that ' +
      'diverged halts the diverging streams; then rebuild the site from an empty database.',
  })
  @ApiBody({ schema: REASON_BODY, examples: { failback: { value: { reason: 'failback' } } } })
  @ApiJson(200, 'Now a replica', ROLE_CHANGE_SCHEMA, { ...ROLE_CHANGE_EXAMPLE, role: 'replica' })
  @ApiProblems(400, 401, 403, 409)
  demote(@Body() body: unknown): Promise<RoleChange> {
    return this.replication.demote(reasonOf(body));
  }
}

function reasonOf(body: unknown): string {
  const reason =
    typeof body === 'object' && body !== null ? (body as { reason?: unknown }).reason : undefined;
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > MAX_REASON) {
    throw ApplicationError.validationFailed('the request needs a reason', [
      { field: 'reason', message: `a non-empty string of at most ${MAX_REASON} characters` },
    ]);
  }
  // The body is closed, as REASON_BODY says: a misspelt member is a client's mistake to report.
  const unknown = Object.keys(body as object).filter((key) => key !== 'reason');
  if (unknown.length > 0) {
    throw ApplicationError.validationFailed(
      'the request has members other than reason',
      unknown.map((field) => ({ field, message: 'is not a known field' })),
    );
  }
  return reason.trim();
}

/** What `GET /replication/digest` answers. */
interface DigestBody {
  readonly service: string;
  readonly position: string;
  readonly digest: string;
  readonly projections: Readonly<
    Record<string, { readonly position: string; readonly digest: string; readonly rows: number }>
  >;
}
