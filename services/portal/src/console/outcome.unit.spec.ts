import { actionOutcomeQuery, failoverOutcomeQuery, outcomeOf } from './outcome';

const SERVICES = ['registry', 'consent'];
const query = (text: string): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(text).entries());

describe('console outcomes', () => {
  it('reads back the outcome of an action', () => {
    expect(
      outcomeOf(query(actionOutcomeQuery('promote', 'registry', 'embassy', '42')), SERVICES),
    ).toEqual({
      kind: 'action',
      action: 'promote',
      service: 'registry',
      site: 'embassy',
      position: '42',
    });
  });

  it('reads back a failover', () => {
    const text = failoverOutcomeQuery([
      { service: 'registry', head: '10', position: '10' },
      { service: 'consent', head: '3', position: '3' },
    ]);
    expect(outcomeOf(query(text), SERVICES)).toEqual({
      kind: 'failover',
      services: [
        { service: 'registry', head: '10', position: '10' },
        { service: 'consent', head: '3', position: '3' },
      ],
    });
  });

  it.each([
    ['done=fence&service=unknown&site=primary'],
    ['done=fence&service=registry&site=moon'],
    ['done=explode&service=registry&site=primary'],
    ['done=promote&service=registry&site=embassy&position=<b>'],
    ['done=failover&promoted=registry:1:1,<script>:2:2'],
    ['done=failover&promoted='],
    [''],
  ])('shows nothing for %s', (text) => {
    expect(outcomeOf(query(text), SERVICES)).toBeUndefined();
  });
});
