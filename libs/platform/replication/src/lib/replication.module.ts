import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';

import { ReplicationController } from './replication.controller';
import { REPLICATION_OPTIONS, ReplicationService } from './replication.service';
import type { ReplicationModuleOptions } from './replication.service';
import { WritableSiteGuard } from './writable-site.guard';

/**
 * Makes a service replicable: the replica role (replay of the mirrored log), the write refusal
 * of a replica or fenced site, digests, and the operator's `/replication` routes. Needs the
 * event store (`EventSourcingModule`), messaging and authentication modules of the service.
 */
@Module({})
export class ReplicationModule {
  static forRoot(options: ReplicationModuleOptions): DynamicModule {
    return {
      module: ReplicationModule,
      controllers: [ReplicationController],
      providers: [
        { provide: REPLICATION_OPTIONS, useValue: options },
        ReplicationService,
        { provide: APP_GUARD, useClass: WritableSiteGuard },
      ],
      exports: [ReplicationService],
    };
  }
}
