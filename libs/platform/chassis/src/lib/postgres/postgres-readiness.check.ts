import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';

import type { ReadinessCheck } from '../health/readiness-check';
import { PG_POOL } from './postgres.options';

/** Ready when the database answers `SELECT 1` through the service's pool. */
@Injectable()
export class PostgresReadinessCheck implements ReadinessCheck {
  readonly name = 'postgres';

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async check(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
