import { DeciderSpecification, evolveAll } from '@gov/platform-decider';

import { ANNA, AT_NOW, BEN, CORRECTION_1, NOW } from '../../testing/registry-fixtures';
import type { BusinessNumber } from '../registers/businesses/business';
import type { CommunicateCorrection } from './correction.commands';
import type { RecordedRead } from './correction.communication';
import { correctionDecider } from './correction.decider';
import type { CorrectionEvent } from './correction.events';

const spec = DeciderSpecification.for(correctionDecider);

const ACCEPTED_AT = new Date('2026-03-01T09:00:00.000Z');
const minutesBefore = (minutes: number): Date => new Date(ACCEPTED_AT.getTime() - minutes * 60_000);
const noticeIdOf = (organisationId: string): string => `notice-${organisationId}`;

const familyNameTarget = {
  register: 'persons',
  recordId: ANNA,
  correction: { field: 'familyName', value: 'Schmitt' },
} as const;

const requested: CorrectionEvent = {
  type: 'CorrectionRequested',
  data: {
    correctionId: CORRECTION_1,
    target: familyNameTarget,
    justification: 'My family name is spelt with two t, see my birth certificate.',
    requester: ANNA,
  },
};
const accepted: CorrectionEvent = {
  type: 'CorrectionAccepted',
  data: {
    correctionId: CORRECTION_1,
    target: familyNameTarget,
    requester: ANNA,
    acceptedBy: 'rnpp-0042',
  },
};

const read = (overrides: Partial<RecordedRead> & { organisationId: string }): RecordedRead => ({
  fieldsRead: ['given_names', 'family_name', 'address'],
  accessorRole: 'agency-system',
  accessedAt: minutesBefore(60),
  purpose: 'family-allowance-eligibility',
  legalBasis: 'loi du 19 juin 2013, art. 10',
  legalBasisId: `${overrides.organisationId}-basis`,
  ...overrides,
});

const communicate = (accessLog: readonly RecordedRead[]): CommunicateCorrection => ({
  type: 'CommunicateCorrection',
  data: { correctionId: CORRECTION_1, acceptedAt: ACCEPTED_AT, accessLog, noticeIdOf },
  metadata: AT_NOW,
});

const communicated = (
  recipients: Extract<CorrectionEvent, { type: 'CorrectionCommunicated' }>['data']['recipients'],
): CorrectionEvent => ({
  type: 'CorrectionCommunicated',
  data: {
    correctionId: CORRECTION_1,
    register: 'persons',
    recordId: ANNA,
    field: 'familyName',
    recipients,
    communicatedAt: NOW,
  },
});

describe('communicating an accepted correction (GDPR Art. 19)', () => {
  it('names each organisation that read the field before the acceptance once, with its last read', () => {
    spec
      .given([requested, accepted])
      .when(
        communicate([
          read({ organisationId: 'ccss', accessedAt: minutesBefore(90), purpose: 'first' }),
          read({ organisationId: 'cae', procedureId: 'family-allowance' }),
          read({ organisationId: 'ccss', accessedAt: minutesBefore(30), purpose: 'second' }),
        ]),
      )
      .then([
        communicated([
          {
            organisationId: 'cae',
            noticeId: 'notice-cae',
            lastReceivedAt: minutesBefore(60),
            purpose: 'family-allowance-eligibility',
            legalBasis: 'loi du 19 juin 2013, art. 10',
            legalBasisId: 'cae-basis',
            procedureId: 'family-allowance',
          },
          {
            organisationId: 'ccss',
            noticeId: 'notice-ccss',
            lastReceivedAt: minutesBefore(30),
            purpose: 'second',
            legalBasis: 'loi du 19 juin 2013, art. 10',
            legalBasisId: 'ccss-basis',
          },
        ]),
      ]);
  });

  it('leaves out the person, the register’s registrars, other fields, and reads at or after the acceptance', () => {
    spec
      .given([requested, accepted])
      .when(
        communicate([
          read({ organisationId: 'self', accessorRole: 'data-subject' }),
          read({ organisationId: 'rnpp', accessorRole: 'registrar' }),
          read({ organisationId: 'adem', fieldsRead: ['address', 'national_id'] }),
          read({ organisationId: 'snca', accessedAt: ACCEPTED_AT }),
          read({ organisationId: 'police', accessedAt: new Date(ACCEPTED_AT.getTime() + 1) }),
        ]),
      )
      .then([communicated([])]);
  });

  it('keeps a recipient sealed until the latest seal only when every read of it was covert', () => {
    const sealed = (days: number): Date => new Date(NOW.getTime() + days * 86_400_000);
    spec
      .given([requested, accepted])
      .when(
        communicate([
          read({
            organisationId: 'police',
            accessedAt: minutesBefore(50),
            sealedUntil: sealed(90),
          }),
          read({
            organisationId: 'police',
            accessedAt: minutesBefore(40),
            sealedUntil: sealed(30),
          }),
          read({
            organisationId: 'douane',
            accessedAt: minutesBefore(50),
            sealedUntil: sealed(90),
          }),
          read({ organisationId: 'douane', accessedAt: minutesBefore(40) }),
        ]),
      )
      .then([
        communicated([
          {
            organisationId: 'douane',
            noticeId: 'notice-douane',
            lastReceivedAt: minutesBefore(40),
            purpose: 'family-allowance-eligibility',
            legalBasis: 'loi du 19 juin 2013, art. 10',
            legalBasisId: 'douane-basis',
          },
          {
            organisationId: 'police',
            noticeId: 'notice-police',
            lastReceivedAt: minutesBefore(40),
            purpose: 'family-allowance-eligibility',
            legalBasis: 'loi du 19 juin 2013, art. 10',
            legalBasisId: 'police-basis',
            sealedUntil: sealed(90),
          },
        ]),
      ]);
  });

  it('communicates once: a second command decides nothing, whatever the log says now', () => {
    spec
      .given([requested, accepted, communicated([])])
      .when(communicate([read({ organisationId: 'ccss' })]))
      .then([]);
  });

  it('communicates nothing for a business’s record (it has no access log)', () => {
    const business = {
      register: 'businesses',
      recordId: 'B4242' as BusinessNumber,
      correction: { field: 'name', value: 'Moselle Logistics' },
    } as const;
    spec
      .given([
        {
          type: 'CorrectionRequested',
          data: { ...requested.data, target: business, requester: BEN },
        },
        {
          type: 'CorrectionAccepted',
          data: { ...accepted.data, target: business, requester: BEN },
        },
      ] as CorrectionEvent[])
      .when(communicate([read({ organisationId: 'ccss' })]))
      .then([]);
  });

  it('refuses a request that is not accepted', () => {
    spec
      .given([requested])
      .when(communicate([]))
      .thenRejects('CORRECTION_NOT_ACCEPTED', ['correctionId']);
    spec.given([]).when(communicate([])).thenRejects('CORRECTION_NOT_FOUND', ['correctionId']);
  });

  it('folds the communication into the accepted state', () => {
    const recipients = [
      {
        organisationId: 'ccss',
        noticeId: 'notice-ccss',
        lastReceivedAt: minutesBefore(30),
        purpose: 'p',
        legalBasis: 'b',
      },
    ];
    const state = evolveAll(correctionDecider, [requested, accepted, communicated(recipients)]);
    expect(state).toMatchObject({
      status: 'ACCEPTED',
      communication: { recipients, communicatedAt: NOW },
    });
  });
});
