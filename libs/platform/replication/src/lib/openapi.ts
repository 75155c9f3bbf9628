// OpenAPI schemas and examples of the replication routes (hand-written: the routes are few and
// their shapes are the module's own types).
import { ApiResponse } from '@nestjs/swagger';

import { ApiProblemResponses, Problem, openApiSchema } from '@gov/platform-chassis';

const POSITION = { type: 'string', pattern: '^[0-9]+$', description: 'A log position (decimal)' };
const ROLE = { type: 'string', enum: ['primary', 'replica', 'fenced'] };

const ROLE_CHANGE = {
  type: 'object',
  required: ['role', 'reason', 'changedAt'],
  properties: {
    role: ROLE,
    reason: { type: 'string' },
    changedAt: { type: 'string', format: 'date-time' },
  },
};

const HALTED = {
  type: 'object',
  properties: {
    streamId: { type: 'string' },
    atVersion: { type: 'integer' },
    eventId: { type: 'string', format: 'uuid' },
    globalPosition: POSITION,
    reason: { type: 'string', enum: ['content-hash', 'broken-chain', 'gap', 'diverged'] },
    detail: { type: 'string' },
    detectedAt: { type: 'string', format: 'date-time' },
  },
};

const DEAD_LETTER = {
  type: 'object',
  properties: {
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'string' },
    reason: { type: 'string' },
    error: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
};

export const STATUS_SCHEMA = {
  type: 'object',
  required: ['service', 'role', 'head', 'highestStored', 'relays', 'replica', 'at'],
  properties: {
    service: { type: 'string' },
    role: ROLE,
    roleChange: { ...ROLE_CHANGE, nullable: true },
    head: { ...POSITION, description: 'Every position up to here is stored' },
    headRecordedAt: { type: 'string', format: 'date-time', nullable: true },
    highestStored: POSITION,
    unpositioned: { type: 'integer' },
    relays: { type: 'object', additionalProperties: POSITION },
    replica: {
      type: 'object',
      properties: {
        running: { type: 'boolean' },
        waiting: {
          type: 'string',
          nullable: true,
          description: 'Why a replica is not replaying yet (its mirrored topic is missing)',
        },
        appliedSinceStart: { type: 'integer' },
        replayWindow: {
          type: 'object',
          nullable: true,
          description:
            'From the arrival of the first batch that stored events since the start to the storing of the latest: appliedSinceStart over it is the replay rate',
          properties: {
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
          required: ['from', 'to'],
        },
        backlog: {
          ...POSITION,
          description: 'Records behind the end of the mirrored topics, as the last batches saw it',
        },
        catchingUp: {
          type: 'boolean',
          description: 'Far behind (a rebuild, the end of a link cut): the relays hold meanwhile',
        },
        halted: { type: 'array', items: HALTED },
        deadLetters: { type: 'array', items: DEAD_LETTER },
      },
    },
    at: { type: 'string', format: 'date-time' },
  },
};

export const STATUS_EXAMPLE = {
  service: 'registry',
  role: 'replica',
  roleChange: null,
  head: '120345',
  headRecordedAt: '2026-11-22T09:15:02.311Z',
  highestStored: '120347',
  unpositioned: 0,
  relays: { 'registry.events.v1': '120345', 'registry.changes.v1': '120345' },
  replica: {
    running: true,
    waiting: null,
    appliedSinceStart: 120345,
    replayWindow: { from: '2026-03-01T09:59:57.120Z', to: '2026-03-01T10:00:01.480Z' },
    backlog: '0',
    catchingUp: false,
    halted: [],
    deadLetters: [],
  },
  at: '2026-11-22T09:15:02.402Z',
};

const SHA256 = { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' };

export const DIGEST_SCHEMA = {
  type: 'object',
  required: ['service', 'position', 'digest', 'projections'],
  properties: {
    service: { type: 'string' },
    position: POSITION,
    digest: { ...SHA256, description: 'The log up to `position`' },
    projections: {
      type: 'object',
      description: 'Each projection (read model) by name, at its own checkpoint',
      additionalProperties: {
        type: 'object',
        required: ['position', 'digest', 'rows'],
        properties: {
          position: { ...POSITION, description: 'The projection’s checkpoint' },
          digest: SHA256,
          rows: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
};

export const DIGEST_EXAMPLE = {
  service: 'registry',
  position: '120345',
  digest: 'sha256:5f1c0e0d3a4b7e2f9d8c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e',
  projections: {
    corrections: {
      position: '120345',
      digest: 'sha256:0a7d3c1e9b2f4a6d8c0e1f3a5b7d9c2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b3c',
      rows: 412,
    },
  },
};

export { ROLE_CHANGE as ROLE_CHANGE_SCHEMA };

export const ROLE_CHANGE_EXAMPLE = {
  role: 'fenced',
  reason: 'planned failover drill CHG-2041',
  changedAt: '2026-11-22T09:20:00.000Z',
};

export const PROMOTION_SCHEMA = {
  type: 'object',
  required: ['role', 'position', 'discarded', 'changedAt'],
  properties: {
    role: ROLE,
    position: { ...POSITION, description: 'The log position the site continues from' },
    discarded: {
      type: 'integer',
      description: 'Replicated events beyond a gap, removed (lost: part of the RPO)',
    },
    changedAt: { type: 'string', format: 'date-time' },
  },
};

export const PROMOTION_EXAMPLE = {
  role: 'primary',
  position: '120345',
  discarded: 0,
  changedAt: '2026-11-22T09:20:03.120Z',
};

const PROBLEMS: Readonly<Record<number, string>> = {
  400: 'Invalid input (see `errors`)',
  401: 'No bearer token, or one that is invalid or expired',
  403: 'Not an operator token',
  409: 'Not possible in the site’s current role, or the position is not reached yet',
};

/** A JSON success response with schema and example. */
export function ApiJson(status: number, description: string, schema: object, example: unknown) {
  return ApiResponse({ status, description, content: { 'application/json': { schema, example } } });
}

/** Problem responses of a route. */
export function ApiProblems(...statuses: (keyof typeof PROBLEMS)[]): MethodDecorator {
  return ApiProblemResponses(PROBLEMS, openApiSchema(Problem, 'output'), statuses);
}
