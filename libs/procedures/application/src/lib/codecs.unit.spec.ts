import type { RecordedEvent } from '@gov/platform-event-sourcing';
import type { CaseEvent, PersonalSpaceEvent } from '@gov/procedures-domain';

import { MalformedProceduresPayloadError, caseCodec, personalSpaceCodec } from './codecs';

const CASE = '7d1f0c2e-5b7a-4c1e-9a57-0b3f4c2d1e01';
const AT = new Date('2026-03-01T10:00:00.123Z');

/** A stored event as the store would give it back, from what the codec wrote. */
function stored(event: ReturnType<typeof caseCodec.encode>): RecordedEvent {
  return { ...event, streamId: `case-${CASE}`, streamVersion: 1 } as unknown as RecordedEvent;
}

const caseEvents: CaseEvent[] = [
  {
    type: 'DraftStarted',
    data: {
      caseId: CASE,
      procedureId: 'establishment-permit',
      procedureVersion: 1,
      applicant: '1983081246785',
      businessNumber: 'B123',
      organisationId: 'acd',
      startedAt: AT,
    },
  },
  {
    type: 'PrefillPreviewed',
    data: {
      caseId: CASE,
      previewId: 'p',
      sources: [
        {
          source: 'businesses',
          fields: ['managers'],
          defaultAccept: false,
          preferenceRule: 'source',
        },
      ],
      previewedAt: AT,
      expiresAt: AT,
    },
  },
  {
    type: 'PrefillApplied',
    data: {
      caseId: CASE,
      previewId: 'p',
      accepted: ['persons'],
      declined: ['businesses', 'personal-space'],
      fields: [
        {
          field: 'familyName',
          source: 'persons',
          category: 'persons.family_name',
          valueJson: '"S"',
        },
      ],
      appliedAt: AT,
    },
  },
  { type: 'Submitted', data: { caseId: CASE, formJson: '{"a":1}', submittedAt: AT } },
  { type: 'SubmissionReceived', data: { caseId: CASE, receivedAt: AT } },
  { type: 'ReviewStarted', data: { caseId: CASE, startedAt: AT } },
  {
    type: 'InformationRequested',
    data: { caseId: CASE, requestId: 'q', question: 'Why?', requestedAt: AT },
  },
  {
    type: 'InformationProvided',
    data: { caseId: CASE, requestId: 'q', answer: 'Because.', providedAt: AT },
  },
  {
    type: 'SubmissionDecided',
    data: { caseId: CASE, outcome: 'rejected', reason: 'No.', decidedAt: AT },
  },
  { type: 'DecisionLetterSent', data: { caseId: CASE, letterId: 'l', sha256: 'ab', sentAt: AT } },
  {
    type: 'ConsentRequested',
    data: {
      caseId: CASE,
      requestId: 'c',
      organisationId: 'acd',
      categories: ['persons.address'],
      purpose: 'x',
      requestedAt: AT,
    },
  },
  { type: 'ConsentGiven', data: { caseId: CASE, requestId: 'c', consentId: 'k', givenAt: AT } },
  {
    type: 'CorrectionNoticeReceived',
    data: {
      caseId: CASE,
      noticeId: 'n',
      correctionId: 'c',
      organisationId: 'acd',
      field: 'address',
      correctedValueJson: '{"locality":"Esch-sur-Alzette"}',
      acceptedAt: AT,
      receivedAt: new Date(AT.getTime() + 1),
    },
  },
  {
    type: 'CorrectionNoticeAcknowledged',
    data: { caseId: CASE, noticeId: 'n', acknowledgedAt: AT },
  },
];

const spaceEvents: PersonalSpaceEvent[] = [
  {
    type: 'PersonalItemSet',
    data: { subject: '1983081246785', item: 'phone', value: '+352 621 000 000', setAt: AT },
  },
  { type: 'PersonalItemCleared', data: { subject: '1983081246785', item: 'phone', clearedAt: AT } },
];

describe('the gov.procedures.v1 codecs', () => {
  it.each(caseEvents.map((event) => [event.type, event] as const))('round-trips %s', (_, event) => {
    expect(caseCodec.decode(stored(caseCodec.encode(event)))).toEqual(event);
  });

  it('round-trips the personal space', () => {
    for (const event of spaceEvents) {
      expect(personalSpaceCodec.decode(stored(personalSpaceCodec.encode(event)))).toEqual(event);
    }
  });

  it('refuses a payload of another stream’s type', () => {
    const spaceEvent = stored(personalSpaceCodec.encode(spaceEvents[0] as PersonalSpaceEvent));
    expect(() => caseCodec.decode(spaceEvent)).toThrow(MalformedProceduresPayloadError);
  });
});
