import { InMemoryEventStore } from '@gov/platform-event-sourcing';
import { parseLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { SiteRole } from '@gov/platform-replication';

import { AgencyFeedCutsRecorder } from './agency-feed-cuts.recorder';

const catalogue = parseLegalBasisCatalogue({
  organisations: [{ id: 'cae', name: 'CAE', contact: 'dpo', policyUrl: 'https://cae.example/p' }],
  legalBases: [
    {
      id: 'cae-feed',
      organisationId: 'cae',
      provision: 'art. 1',
      categories: ['persons.national_id', 'persons.address'],
      purposes: ['feed'],
    },
  ],
  feeds: [{ organisationId: 'cae', legalBasisId: 'cae-feed' }],
});

async function cutEvents(store: InMemoryEventStore): Promise<number> {
  return (await store.readStream('agency-feed-cae')).length;
}

describe('AgencyFeedCutsRecorder', () => {
  it('records the catalogue’s cuts at start where the site is writable', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const recorder = new AgencyFeedCutsRecorder(store, catalogue, new SiteRole('primary'));
    await recorder.onApplicationBootstrap();
    await recorder.onModuleDestroy();
    expect(await cutEvents(store)).toBe(1);
  });

  it('records nothing on a replica, which re-cuts where the mirrored log says, until promoted', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const role = new SiteRole('replica');
    const recorder = new AgencyFeedCutsRecorder(store, catalogue, role);
    await recorder.onApplicationBootstrap();
    expect(await cutEvents(store)).toBe(0);

    role.apply({ role: 'primary', reason: 'promoted', changedAt: new Date() });
    await recorder.onModuleDestroy();
    expect(await cutEvents(store)).toBe(1);
  });
});
