import { isDomainRejection } from '@gov/platform-decider';

import { deliveryOrigin } from './delivery';

const AGENTS = new Set(['procedures']);

describe('whose letter a delivery is', () => {
  it('is the caller’s own without onBehalfOf, or when it names the caller', () => {
    expect(deliveryOrigin('ccss', undefined, AGENTS)).toEqual({
      senderOrganisationId: 'ccss',
      deliveredBy: null,
    });
    expect(deliveryOrigin('ccss', 'ccss', AGENTS)).toEqual({
      senderOrganisationId: 'ccss',
      deliveredBy: null,
    });
  });

  it('is the represented organisation’s for a delivery agent, which stays recorded', () => {
    expect(deliveryOrigin('procedures', 'cae', AGENTS)).toEqual({
      senderOrganisationId: 'cae',
      deliveredBy: 'procedures',
    });
  });

  it('refuses onBehalfOf from an organisation that is not a delivery agent', () => {
    let refusal: unknown;
    try {
      deliveryOrigin('acd', 'cae', AGENTS);
    } catch (error) {
      refusal = error;
    }
    expect(isDomainRejection(refusal, 'NOT_A_DELIVERY_AGENT')).toBe(true);
    expect(String(refusal)).toMatch(/acd may deliver only its own letters/);
    expect(() => deliveryOrigin('procedures', 'cae', new Set())).toThrow(
      /procedures may deliver only its own letters/,
    );
  });
});
