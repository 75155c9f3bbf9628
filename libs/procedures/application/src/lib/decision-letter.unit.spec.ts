import { textPdf } from './decision-letter';

describe('the decision letter PDF', () => {
  it('is a PDF whose cross-reference table points at each object', () => {
    const pdf = Buffer.from(textPdf(['Décision (approuvée)', 'Motif: \\ ok', 'emoji 😀'])).toString(
      'latin1',
    );
    expect(pdf.startsWith('%PDF-1.4\n')).toBe(true);
    expect(pdf.endsWith('%%EOF\n')).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n/.exec(pdf)?.[1]);
    expect(pdf.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...pdf.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) =>
      Number(m[1]),
    );
    expect(offsets).toHaveLength(5);
    offsets.forEach((offset, i) => {
      expect(pdf.slice(offset).startsWith(`${i + 1} 0 obj`)).toBe(true);
    });
    expect(pdf).toContain('(D\xe9cision \\(approuv\xe9e\\)) Tj');
    expect(pdf).toContain('(Motif: \\\\ ok) Tj');
    expect(pdf).toContain('(emoji ?) Tj');
  });
});
