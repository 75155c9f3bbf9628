import type { ExecutionContext } from '@nestjs/common';

import { toApplicationError } from '@gov/platform-chassis';
import { ReadOnlyStoreError } from '@gov/platform-event-sourcing';

import type { ReplicationModuleOptions } from './replication.service';
import { SiteRole } from './site-role';
import type { RoleChange } from './site-role';
import { WritableSiteGuard } from './writable-site.guard';

const change = (role: RoleChange['role']): RoleChange => ({
  role,
  reason: 'test',
  changedAt: new Date('2026-11-22T09:00:00.000Z'),
});

describe('SiteRole', () => {
  it('starts as configured and lets only a primary write', () => {
    const replica = new SiteRole('replica');
    expect(replica.current).toBe('replica');
    expect(replica.writable).toBe(false);
    expect(() => {
      replica.assertWritable();
    }).toThrow(ReadOnlyStoreError);
    try {
      replica.assertWritable();
    } catch (error) {
      expect(error).toMatchObject({ kind: 'read-only', role: 'replica' });
      expect(String(error)).toContain('promotes it');
    }
    const primary = new SiteRole('primary');
    expect(() => {
      primary.assertWritable();
    }).not.toThrow();
  });

  it('follows recorded changes and tells its listeners only when the role changes', () => {
    const role = new SiteRole('replica');
    const heard: string[] = [];
    const stop = role.onChange((c) => heard.push(c.role));

    role.apply(change('replica'));
    role.apply(change('primary'));
    role.apply(change('primary'));
    role.apply(change('fenced'));
    stop();
    role.apply(change('replica'));

    expect(heard).toEqual(['primary', 'fenced']);
    expect(role.current).toBe('replica');
    expect(role.lastChange).toEqual(change('replica'));
    expect(() => {
      new SiteRole('fenced').assertWritable();
    }).toThrow(/fenced/);
  });
});

describe('WritableSiteGuard', () => {
  function guard(role: SiteRole): WritableSiteGuard {
    const options: ReplicationModuleOptions = {
      serviceName: 'registry',
      siteRole: role,
      replicaTopics: ['primary.registry.events.v1'],
      replicaGroupId: 'registry.replica',
    };
    return new WritableSiteGuard(options);
  }

  function http(method: string, url: string): ExecutionContext {
    return {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => ({ method, url }) }),
    } as unknown as ExecutionContext;
  }

  it('lets a replica serve reads and the operator routes, and refuses writes with 503', () => {
    const replica = guard(new SiteRole('replica'));

    expect(replica.canActivate(http('GET', '/persons/1983081246785'))).toBe(true);
    expect(replica.canActivate(http('HEAD', '/persons'))).toBe(true);
    expect(replica.canActivate(http('POST', '/replication/promote'))).toBe(true);
    expect(replica.canActivate(http('GET', '/replication/digest?position=3'))).toBe(true);
    let refused: unknown;
    try {
      replica.canActivate(http('POST', '/persons'));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ReadOnlyStoreError);
    expect(toApplicationError(refused, {})).toMatchObject({
      kind: 'service-unavailable',
      extensions: { code: 'READ_ONLY_SITE', siteRole: 'replica' },
    });
    // A path that merely starts like the operator routes is a write like any other.
    expect(() => replica.canActivate(http('POST', '/replicationx'))).toThrow(ReadOnlyStoreError);
  });

  it('lets a primary write, and refuses writes again once it is fenced', () => {
    const role = new SiteRole('primary');
    const primary = guard(role);
    expect(primary.canActivate(http('PUT', '/persons/1983081246785/address'))).toBe(true);

    role.apply(change('fenced'));

    expect(() => primary.canActivate(http('PUT', '/persons/1983081246785/address'))).toThrow(
      /fenced/,
    );
  });
});
