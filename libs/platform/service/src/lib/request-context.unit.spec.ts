import { ApplicationError } from '@gov/platform-chassis';
import type { Principal } from '@gov/platform-auth';

import { appendMetadata, newIdFor, requireAgency, requireCitizen, uuidOf } from './request-context';
import type { RequestContext } from './request-context';

const citizen: Principal = { kind: 'citizen', subject: '1983081246785' };
const agency: Principal = { kind: 'agency', subject: 'svc-cae', organisationId: 'cae' };

describe('the request context of a use case', () => {
  it('derives the same RFC 9562 version 8 id from the same name, another from another', () => {
    const id = uuidOf('letterbox:letter:cae\ndecision-letter-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidOf('letterbox:letter:cae\ndecision-letter-1')).toBe(id);
    expect(uuidOf('letterbox:letter:ccss\ndecision-letter-1')).not.toBe(id);
  });

  it('names a request’s creation after its idempotency key, and randomly without one', () => {
    const keyed = (seed: string): RequestContext => ({
      principal: citizen,
      correlationId: 'c',
      idempotency: { seed, firstSeenAt: new Date(0) },
    });
    expect(newIdFor(keyed('s1'), 'letter')).toBe(newIdFor(keyed('s1'), 'letter'));
    expect(newIdFor(keyed('s1'), 'letter')).not.toBe(newIdFor(keyed('s1'), 'consent'));
    const unkeyed: RequestContext = { principal: citizen, correlationId: 'c' };
    expect(newIdFor(unkeyed, 'letter')).not.toBe(newIdFor(unkeyed, 'letter'));
  });

  it('records an agency’s organisation as the actor', () => {
    expect(appendMetadata({ principal: agency, correlationId: 'c' })).toEqual({
      correlationId: 'c',
      actor: { kind: 'agency', id: 'svc-cae', organisationId: 'cae' },
    });
  });

  it('refuses the wrong kind of caller with 403, in the service’s words', () => {
    expect(requireCitizen(citizen, 'read')).toBe(citizen);
    expect(requireAgency(agency, 'decide')).toBe(agency);
    const refused = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const asAgency = refused(() => requireCitizen(agency, 'open a letter', 'the recipient'));
    expect(asAgency).toBeInstanceOf(ApplicationError);
    expect((asAgency as ApplicationError).kind).toBe('forbidden');
    expect((asAgency as Error).message).toBe('only the recipient may open a letter');
    expect((refused(() => requireAgency(citizen, 'decide')) as Error).message).toBe(
      'only an agency may decide',
    );
  });
});
