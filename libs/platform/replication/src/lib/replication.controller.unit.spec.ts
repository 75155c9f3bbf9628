import { ApplicationError } from '@gov/platform-chassis';

import { ReplicationController } from './replication.controller';
import type { ReplicationService } from './replication.service';

// Found by the contract fuzz test: the document declares the reason body closed
// (additionalProperties: false), and a fence with a misspelt member was carried out.
describe('ReplicationController', () => {
  const changes: string[] = [];
  const service = {
    fence: (reason: string) => {
      changes.push(reason);
      return Promise.resolve({});
    },
  } as unknown as ReplicationService;
  const controller = new ReplicationController(service);

  beforeEach(() => {
    changes.length = 0;
  });

  const refusal = async (body: unknown): Promise<unknown> => {
    try {
      await controller.fence(body);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('refuses a reason body with another member, and changes nothing', async () => {
    const error = await refusal({ reason: 'failover drill', resaon: 'typo' });
    expect(error).toBeInstanceOf(ApplicationError);
    expect((error as ApplicationError).reason).toEqual({
      kind: 'validation-failed',
      errors: [{ field: 'resaon', message: 'is not a known field' }],
    });
    expect(changes).toEqual([]);
  });

  it('refuses a blank reason', async () => {
    expect(await refusal({ reason: '  ' })).toBeInstanceOf(ApplicationError);
    expect(changes).toEqual([]);
  });

  it('fences with a reason alone', async () => {
    expect(await refusal({ reason: ' failover drill ' })).toBeUndefined();
    expect(changes).toEqual(['failover drill']);
  });
});
