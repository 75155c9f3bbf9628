/**
 * Replication of a service's event log to the data embassy: the site's role (primary, replica,
 * fenced), the replica that rebuilds the store from the mirrored log, state digests, and the
 * operator's routes to fence and promote.
 *
 * @packageDocumentation
 */
export { SiteRole } from './lib/site-role';
export type { RoleChange, SiteRoleName } from './lib/site-role';
export { ReplicationModule } from './lib/replication.module';
export { REPLICATION_OPTIONS, ReplicationService } from './lib/replication.service';
export type {
  DigestibleProjection,
  Promotion,
  ReplicationModuleOptions,
  ReplicationStatus,
  ServiceDigest,
} from './lib/replication.service';
export { WritableSiteGuard } from './lib/writable-site.guard';
