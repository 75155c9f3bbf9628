import { InMemoryEventStore } from '@gov/platform-event-sourcing';
import { parseLegalBasisCatalogue } from '@gov/platform-legal-bases';

import { AgencyFeedCuts, agencyFeedCutCodec } from './agency-feed-cuts';
import { NO_PERSONAL_DATA } from '../codecs/payload';

const AT = new Date('2026-03-01T10:00:00Z');
const clock = { now: () => AT };

function catalogue(
  categories: readonly string[],
  feeds = [{ organisationId: 'ccss', legalBasisId: 'ccss-a' }],
) {
  return parseLegalBasisCatalogue({
    organisations: [
      { id: 'ccss', name: 'CCSS', contact: 'x', policyUrl: 'https://ccss.example/p' },
    ],
    legalBases: [
      {
        id: 'ccss-a',
        organisationId: 'ccss',
        provision: 'art. 1',
        categories,
        purposes: ['p'],
      },
      {
        id: 'ccss-b',
        organisationId: 'ccss',
        provision: 'art. 2',
        categories,
        purposes: ['p'],
      },
    ],
    feeds,
  });
}

async function cutsOf(store: InMemoryEventStore) {
  const events = await store.readStream('agency-feed-ccss');
  return events.map((event) => agencyFeedCutCodec.decode(event, NO_PERSONAL_DATA).data);
}

describe('AgencyFeedCuts.record', () => {
  it('records version 1 with the sorted categories for a feed never cut', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const outcomes = await new AgencyFeedCuts(store, clock).record(
      catalogue(['persons.national_id', 'persons.address', 'persons.birth_date']),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['cut']);
    expect(await cutsOf(store)).toEqual([
      {
        organisationId: 'ccss',
        legalBasisId: 'ccss-a',
        version: 1,
        categories: ['persons.address', 'persons.birth_date', 'persons.national_id'],
        cutAt: AT,
      },
    ]);
  });

  it('records nothing when the catalogue says what the latest cut says, in any order', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const cuts = new AgencyFeedCuts(store, clock);
    await cuts.record(catalogue(['persons.national_id', 'persons.address']));
    const outcomes = await cuts.record(catalogue(['persons.address', 'persons.national_id']));
    expect(outcomes).toEqual([{ organisationId: 'ccss', outcome: 'unchanged', version: 1 }]);
    expect(await cutsOf(store)).toHaveLength(1);
  });

  it('records the next version when the categories change', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const cuts = new AgencyFeedCuts(store, clock);
    await cuts.record(catalogue(['persons.national_id', 'persons.address']));
    await cuts.record(catalogue(['persons.national_id', 'persons.civil_status']));
    expect((await cutsOf(store)).map((c) => [c.version, c.categories])).toEqual([
      [1, ['persons.address', 'persons.national_id']],
      [2, ['persons.civil_status', 'persons.national_id']],
    ]);
  });

  it('records the next version when the feed rests on another basis with the same categories', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const cuts = new AgencyFeedCuts(store, clock);
    await cuts.record(catalogue(['persons.national_id', 'persons.address']));
    await cuts.record(
      catalogue(
        ['persons.national_id', 'persons.address'],
        [{ organisationId: 'ccss', legalBasisId: 'ccss-b' }],
      ),
    );
    expect((await cutsOf(store)).map((c) => [c.version, c.legalBasisId])).toEqual([
      [1, 'ccss-a'],
      [2, 'ccss-b'],
    ]);
  });

  it('records nothing for an organisation without a feed', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    expect(
      await new AgencyFeedCuts(store, clock).record(catalogue(['persons.national_id'], [])),
    ).toEqual([]);
    expect(await cutsOf(store)).toEqual([]);
  });

  it('names an organisation whose feed was cut and is no longer in the feeds', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const cuts = new AgencyFeedCuts(store, clock);
    await cuts.record(catalogue(['persons.national_id', 'persons.address']));
    const withoutFeeds = catalogue(['persons.national_id', 'persons.address'], []);
    expect(await cuts.withoutFeed(withoutFeeds)).toEqual(['ccss']);
    expect(await cuts.withoutFeed(catalogue(['persons.national_id', 'persons.address']))).toEqual(
      [],
    );
  });
});
