import { DeciderSpecification, evolveAll } from '@gov/platform-decider';
import {
  ANNA,
  AT_NOW,
  BEN,
  CARLA,
  CORRECTION_1,
  DAVID,
  ESCH_ADDRESS,
} from '../../testing/registry-fixtures';
import type { BusinessNumber } from '../registers/businesses/business';
import type { PersonCorrection } from '../registers/persons/person.corrections';
import type { RegisterName } from '../registers/registers';
import type { CorrectionTargetInput, Registrar } from './correction';
import type { CorrectionCommand, RequestCorrection } from './correction.commands';
import { correctionDecider } from './correction.decider';
import type { CorrectionEvent, CorrectionRequested } from './correction.events';

const spec = DeciderSpecification.for(correctionDecider);
const B1 = 'B123456' as BusinessNumber;

const PERSONS_REGISTRAR: Registrar = {
  registrarId: 'rnpp-0042',
  nationalId: CARLA,
  register: 'persons',
};
const BUSINESSES_REGISTRAR: Registrar = {
  registrarId: 'rcs-0007',
  nationalId: DAVID,
  register: 'businesses',
};

const anna = (correction: PersonCorrection): CorrectionTargetInput => ({
  register: 'persons',
  recordId: ANNA,
  correction,
});

const request = (overrides: Partial<RequestCorrection['data']> = {}): RequestCorrection => ({
  type: 'RequestCorrection',
  data: {
    correctionId: CORRECTION_1,
    target: anna({ field: 'familyName', value: 'Schmitt' }),
    justification: 'My family name is spelt with two t, see my birth certificate.',
    requester: ANNA,
    ...overrides,
  },
  metadata: AT_NOW,
});

const requested: CorrectionRequested = {
  type: 'CorrectionRequested',
  data: {
    correctionId: CORRECTION_1,
    target: {
      register: 'persons',
      recordId: ANNA,
      correction: { field: 'familyName', value: 'Schmitt' },
    },
    justification: 'My family name is spelt with two t, see my birth certificate.',
    requester: ANNA,
  },
};

const accepted: CorrectionEvent = {
  type: 'CorrectionAccepted',
  data: {
    correctionId: CORRECTION_1,
    target: requested.data.target,
    requester: ANNA,
    acceptedBy: 'rnpp-0042',
  },
};

const rejected: CorrectionEvent = {
  type: 'CorrectionRejected',
  data: {
    correctionId: CORRECTION_1,
    register: 'persons',
    recordId: ANNA,
    field: 'familyName',
    requester: ANNA,
    rejectedBy: 'rnpp-0042',
    reason: 'The birth certificate shows one t.',
  },
};

const command = <C extends CorrectionCommand>(type: C['type'], data: C['data']): C =>
  ({ type, data, metadata: AT_NOW }) as C;
const accept = (registrar: Registrar = PERSONS_REGISTRAR) =>
  command('AcceptCorrection', { correctionId: CORRECTION_1, registrar });
const reject = (
  registrar: Registrar = PERSONS_REGISTRAR,
  reason = 'The birth certificate shows one t.',
) => command('RejectCorrection', { correctionId: CORRECTION_1, registrar, reason });

describe('correction requests', () => {
  describe('RequestCorrection', () => {
    it('records a person’s request to correct their own record', () => {
      spec.given([]).when(request()).then([requested]);
    });

    it('checks and normalises the proposed value with the register’s own checks', () => {
      spec
        .given([])
        .when(
          request({
            target: anna({ field: 'address', value: { ...ESCH_ADDRESS, postcode: 'L-4011' } }),
          }),
        )
        .then([
          {
            ...requested,
            data: {
              ...requested.data,
              target: {
                register: 'persons',
                recordId: ANNA,
                correction: { field: 'address', value: ESCH_ADDRESS },
              },
            },
          },
        ]);
    });

    it('records a manager’s request to correct their business’s record', () => {
      spec
        .given([])
        .when(
          request({
            target: {
              register: 'businesses',
              recordId: B1,
              correction: { field: 'name', value: 'Moselle Logistique' },
              currentManagers: [BEN, ANNA],
            },
          }),
        )
        .then([
          {
            type: 'CorrectionRequested',
            data: {
              correctionId: CORRECTION_1,
              target: {
                register: 'businesses',
                recordId: B1,
                correction: { field: 'name', value: 'Moselle Logistique' },
              },
              justification: requested.data.justification,
              requester: ANNA,
            },
          },
        ]);
    });

    it('rejects a request on someone else’s record', () => {
      spec
        .given([])
        .when(request({ requester: BEN }))
        .thenRejects('NOT_DATA_SUBJECT', ['requester']);
    });

    it('rejects a request on a business the requester does not manage', () => {
      spec
        .given([])
        .when(
          request({
            target: {
              register: 'businesses',
              recordId: B1,
              correction: { field: 'legalForm', value: 'SA' },
              currentManagers: [BEN],
            },
          }),
        )
        .thenRejects('NOT_DATA_SUBJECT', ['requester']);
    });

    it('rejects a second request with the same id', () => {
      spec
        .given([requested])
        .when(request())
        .thenRejects('CORRECTION_ALREADY_EXISTS', ['correctionId']);
    });

    it('names every invalid field of the request', () => {
      spec
        .given([])
        .when(
          request({
            correctionId: 'CORRECTION-1',
            target: anna({ field: 'givenNames', value: '' }),
            justification: '   ',
            requester: '123',
          }),
        )
        .thenRejects('INVALID_INPUT', [
          'correctionId',
          'target.correction.value',
          'justification',
          'requester',
        ]);
    });

    it('rejects an invalid record id for the register', () => {
      spec
        .given([])
        .when(
          request({
            target: {
              register: 'businesses',
              recordId: 'B0',
              correction: { field: 'name', value: 'Moselle' },
              currentManagers: [ANNA],
            },
          }),
        )
        .thenRejects('INVALID_INPUT', ['target.recordId']);
    });

    it('rejects a field outside the register’s correctable set and an unknown register', () => {
      spec
        .given([])
        .when(
          request({
            target: anna({
              field: 'birthDate',
              value: '1983-08-13',
            } as unknown as PersonCorrection),
          }),
        )
        .thenRejects('INVALID_INPUT', ['target.correction.field']);
      spec
        .given([])
        .when(
          request({
            target: {
              register: 'vehicles',
              recordId: 'AB 1234',
            } as unknown as CorrectionTargetInput,
          }),
        )
        .thenRejects('INVALID_INPUT', ['target.register']);
    });
  });

  describe('AcceptCorrection', () => {
    it('accepts the request with its target and value, for the record change to follow', () => {
      spec.given([requested]).when(accept()).then([accepted]);
    });

    it('decides nothing when the request is already accepted', () => {
      spec.given([requested, accepted]).when(accept()).thenNothing();
    });

    it('rejects accepting a request already rejected', () => {
      spec
        .given([requested, rejected])
        .when(accept())
        .thenRejects('CORRECTION_ALREADY_DECIDED', ['correctionId']);
    });

    it('rejects a request that does not exist', () => {
      spec.given([]).when(accept()).thenRejects('CORRECTION_NOT_FOUND', ['correctionId']);
    });

    it('rejects a registrar of another register', () => {
      spec
        .given([requested])
        .when(accept(BUSINESSES_REGISTRAR))
        .thenRejects('NOT_REGISTRAR_OF_REGISTER', ['registrar.register']);
    });

    it('rejects a registrar deciding on their own record', () => {
      spec
        .given([requested])
        .when(accept({ ...PERSONS_REGISTRAR, nationalId: ANNA }))
        .thenRejects('CONFLICT_OF_INTEREST', ['registrar.nationalId']);
    });

    it('rejects an invalid registrar', () => {
      spec
        .given([requested])
        .when(accept({ registrarId: '', nationalId: '1', register: 'cars' as RegisterName }))
        .thenRejects('INVALID_INPUT', [
          'registrar.registrarId',
          'registrar.nationalId',
          'registrar.register',
        ]);
    });
  });

  describe('RejectCorrection', () => {
    it('rejects the request with the reason, without repeating the proposed value', () => {
      spec.given([requested]).when(reject()).then([rejected]);
    });

    it('decides nothing when the request is already rejected', () => {
      spec.given([requested, rejected]).when(reject()).thenNothing();
    });

    it('refuses to reject a request already accepted', () => {
      spec
        .given([requested, accepted])
        .when(reject())
        .thenRejects('CORRECTION_ALREADY_DECIDED', ['correctionId']);
    });

    it('requires a reason', () => {
      spec
        .given([requested])
        .when(reject(PERSONS_REGISTRAR, ' '))
        .thenRejects('INVALID_INPUT', ['reason']);
    });

    it('rejects a request that does not exist', () => {
      spec.given([]).when(reject()).thenRejects('CORRECTION_NOT_FOUND', ['correctionId']);
    });

    it('rejects a registrar of another register', () => {
      spec
        .given([requested])
        .when(reject(BUSINESSES_REGISTRAR))
        .thenRejects('NOT_REGISTRAR_OF_REGISTER', ['registrar.register']);
    });

    it('rejects a registrar deciding on their own request', () => {
      const byBen = { ...requested, data: { ...requested.data, requester: BEN } };
      spec
        .given([byBen])
        .when(reject({ ...PERSONS_REGISTRAR, nationalId: BEN }))
        .thenRejects('CONFLICT_OF_INTEREST', ['registrar.nationalId']);
    });
  });

  describe('evolve', () => {
    it('shows the requester where the request stands', () => {
      expect(evolveAll(correctionDecider, [requested])).toEqual({
        status: 'REQUESTED',
        request: requested.data,
      });
      expect(evolveAll(correctionDecider, [requested, accepted])).toEqual({
        status: 'ACCEPTED',
        request: requested.data,
        acceptedBy: 'rnpp-0042',
        communication: null,
      });
      expect(evolveAll(correctionDecider, [requested, rejected])).toEqual({
        status: 'REJECTED',
        request: requested.data,
        rejectedBy: 'rnpp-0042',
        reason: 'The birth certificate shows one t.',
      });
    });

    it('leaves the state as it is for an event that cannot apply to it', () => {
      const initial = correctionDecider.initialState;
      expect(correctionDecider.evolve(initial, accepted)).toBe(initial);
      const decided = evolveAll(correctionDecider, [requested, rejected]);
      expect(correctionDecider.evolve(decided, accepted)).toBe(decided);
    });
  });
});
