import { isDomainRejection } from '@gov/platform-decider';

import { LETTER_LIMITS, checkContent } from './content';

const bytes = (...values: number[]) => Uint8Array.from(values);
/** UTF-8 of a string (the domain has neither Node's Buffer nor the DOM's TextEncoder). */
const utf8 = (text: string) =>
  Uint8Array.from(
    encodeURIComponent(text)
      .split(/(%[0-9A-F]{2})/)
      .flatMap((part) =>
        part.startsWith('%')
          ? [parseInt(part.slice(1), 16)]
          : Array.from({ length: part.length }, (_, index) => part.charCodeAt(index)),
      ),
  );
const PDF = utf8('%PDF-1.7\n%âãÏÓ\n');
const PNG = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13);
const JPEG = bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16);

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (isDomainRejection(error)) return error.code;
    throw error;
  }
  return 'ACCEPTED';
}

describe('checkContent', () => {
  it('accepts each allowed type whose bytes match it', () => {
    expect(checkContent('application/pdf', PDF)).toBe('application/pdf');
    expect(checkContent('image/png', PNG)).toBe('image/png');
    expect(checkContent('image/jpeg', JPEG)).toBe('image/jpeg');
    expect(checkContent('text/plain', utf8('Bonjour,\r\n\tété\n'))).toBe('text/plain');
  });

  it('refuses bytes of another type than declared', () => {
    expect(codeOf(() => checkContent('application/pdf', PNG))).toBe('CONTENT_MISMATCH');
    expect(codeOf(() => checkContent('image/png', JPEG))).toBe('CONTENT_MISMATCH');
    expect(codeOf(() => checkContent('image/jpeg', PDF))).toBe('CONTENT_MISMATCH');
    expect(codeOf(() => checkContent('text/plain', PNG))).toBe('CONTENT_MISMATCH');
    // Not UTF-8: a lone continuation byte, an overlong "/", a surrogate.
    expect(codeOf(() => checkContent('text/plain', bytes(0x41, 0x80)))).toBe('CONTENT_MISMATCH');
    expect(codeOf(() => checkContent('text/plain', bytes(0xc0, 0xaf)))).toBe('CONTENT_MISMATCH');
    expect(codeOf(() => checkContent('text/plain', bytes(0xed, 0xa0, 0x80)))).toBe(
      'CONTENT_MISMATCH',
    );
    expect(codeOf(() => checkContent('text/plain', bytes(0x41, 0x00)))).toBe('CONTENT_MISMATCH');
  });

  it('refuses a type outside the list, an empty document and one over the limit', () => {
    expect(codeOf(() => checkContent('text/html', PDF))).toBe('UNSUPPORTED_CONTENT_TYPE');
    expect(codeOf(() => checkContent('application/pdf', bytes()))).toBe('INVALID_INPUT');
    const big = new Uint8Array(LETTER_LIMITS.maxContentBytes + 1);
    big.set(PDF);
    expect(codeOf(() => checkContent('application/pdf', big))).toBe('CONTENT_TOO_LARGE');
    expect(codeOf(() => checkContent('application/pdf', big.subarray(0, -1)))).toBe('ACCEPTED');
  });
});
