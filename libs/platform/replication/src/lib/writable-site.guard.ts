import { Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';

import { ReadOnlyStoreError } from '@gov/platform-event-sourcing';

import { REPLICATION_OPTIONS } from './replication.service';
import type { ReplicationModuleOptions } from './replication.service';

/** Methods that never change anything: a replica serves them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The operator's replication routes work in every role (they are how roles change). */
const REPLICATION_PATH = /^\/replication(\/|\?|$)/;

/**
 * Answers every write request with 503 `application/problem+json` while the site is not the
 * primary (a replica, or a fenced primary), before authentication and before any work: the
 * client learns at once that it must write elsewhere. The event store's write gate refuses the
 * same writes underneath, so nothing that slips past (a read that would log an access) writes
 * either.
 */
@Injectable()
export class WritableSiteGuard implements CanActivate {
  constructor(@Inject(REPLICATION_OPTIONS) private readonly options: ReplicationModuleOptions) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<{ method: string; url: string }>();
    const role = this.options.siteRole;
    if (role.writable || SAFE_METHODS.has(request.method) || REPLICATION_PATH.test(request.url)) {
      return true;
    }
    // The same error the event store's write gate throws, so that the chassis answers both
    // alike (503 READ_ONLY_SITE with the site's role).
    throw new ReadOnlyStoreError(
      role.current,
      role.current === 'replica'
        ? `this ${this.options.serviceName} is a replica (data embassy): it refuses writes until an operator promotes it`
        : `this ${this.options.serviceName} is fenced for a failover: it refuses writes; write to the promoted site`,
    );
  }
}
