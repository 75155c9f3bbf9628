/**
 * A minimal, valid PDF 1.4 document of one A4 page with the given lines in Helvetica: enough for
 * a decision letter, without a PDF library. Characters outside Latin-1 print as `?` (the
 * standard font's WinAnsi encoding covers the French and German letters the platform uses).
 */
export function textPdf(lines: readonly string[]): Uint8Array {
  const escape = (line: string): string =>
    line.replace(/[\u{100}-\u{10ffff}]/gu, '?').replace(/[\\()]/g, (c) => `\\${c}`);
  const text = lines
    .map((line, i) => `${i === 0 ? '' : '0 -16 Td '}(${escape(line)}) Tj`)
    .join('\n');
  const stream = `BT /F1 11 Tf 56 780 Td\n${text}\nET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R ' +
      '/Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body, 'latin1'));
}
