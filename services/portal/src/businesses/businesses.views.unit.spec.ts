import { casesOf, lettersOf } from './businesses.views';
import type { CaseSummary, LetterSummary } from './businesses.views';

const item = (caseId: string, businessNumber: string | null, updatedAt: string): CaseSummary => ({
  caseId,
  procedureId: 'establishment-permit',
  title: null,
  businessNumber,
  status: 'submitted',
  updatedAt,
});

const letter = (letterId: string, kind: 'person' | 'business', id: string): LetterSummary => ({
  letterId,
  sender: 'ccss',
  recipient: { kind, id },
  subject: 'Avis',
  state: 'AVAILABLE',
  createdAt: '2026-03-01T10:00:00Z',
  availableAt: null,
});

describe('a business’s procedures and letters', () => {
  it('keeps the dashboard’s cases of that business, newest change first', () => {
    const dashboard = {
      active: [item('a', 'B1', '2026-03-01T10:00:00Z'), item('b', null, '2026-03-02T10:00:00Z')],
      completed: [
        item('c', 'B1', '2026-03-03T10:00:00Z'),
        item('d', 'B12', '2026-03-04T10:00:00Z'),
      ],
    };
    expect(casesOf(dashboard, 'B1').map((c) => c.caseId)).toEqual(['c', 'a']);
  });

  it('keeps the letters addressed to that business, not the person’s own nor another’s', () => {
    const letters = [
      letter('1', 'business', 'B1'),
      letter('2', 'person', '1983081246785'),
      letter('3', 'business', 'B12'),
    ];
    expect(lettersOf(letters, 'B1').map((l) => l.letterId)).toEqual(['1']);
  });
});
