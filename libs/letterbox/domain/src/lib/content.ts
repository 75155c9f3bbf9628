import { reject } from './rejection';

/** The media types a letter may carry. */
export const LETTER_CONTENT_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'text/plain',
] as const;

/** A media type a letter may carry. */
export type LetterContentType = (typeof LETTER_CONTENT_TYPES)[number];

/** Limits of a letter, as the service checks them. */
export const LETTER_LIMITS = {
  /** 10 MiB of decoded content: a letter, not a file transfer. */
  maxContentBytes: 10 * 1024 * 1024,
  subjectLength: 200,
  minRetentionDays: 1,
  /** A hundred years: the longest archival period a letter may be kept for. */
  maxRetentionDays: 36_500,
} as const;

/** Whether `value` is one of {@link LETTER_CONTENT_TYPES}. */
export function isLetterContentType(value: string): value is LetterContentType {
  return (LETTER_CONTENT_TYPES as readonly string[]).includes(value);
}

const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.length <= bytes.length && prefix.every((byte, index) => bytes[index] === byte);
}

/** Whether `bytes` are well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
function isUtf8(bytes: Uint8Array): boolean {
  let index = 0;
  while (index < bytes.length) {
    const first = bytes[index] ?? 0;
    let length: number;
    let min: number;
    if (first < 0x80) {
      index += 1;
      continue;
    } else if (first >= 0xc2 && first <= 0xdf) {
      [length, min] = [2, 0x80];
    } else if (first >= 0xe0 && first <= 0xef) {
      [length, min] = [3, 0x800];
    } else if (first >= 0xf0 && first <= 0xf4) {
      [length, min] = [4, 0x10000];
    } else {
      return false;
    }
    if (index + length > bytes.length) return false;
    let codePoint = first & (0xff >> (length + 1));
    for (let k = 1; k < length; k += 1) {
      const next = bytes[index + k] ?? 0;
      if ((next & 0xc0) !== 0x80) return false;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      return false;
    }
    index += length;
  }
  return true;
}

/**
 * Whether `bytes` are text: UTF-8 without NUL or other control characters but tab, line feed,
 * form feed and carriage return. A binary file declared as text/plain fails here.
 */
function isPlainText(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) {
      return false;
    }
    if (byte === 0x7f) return false;
  }
  return isUtf8(bytes);
}

/** Whether the content's own signature (magic bytes) matches the declared type. */
export function contentMatches(type: LetterContentType, bytes: Uint8Array): boolean {
  switch (type) {
    case 'application/pdf':
      return startsWith(bytes, PDF);
    case 'image/png':
      return startsWith(bytes, PNG);
    case 'image/jpeg':
      return startsWith(bytes, JPEG);
    case 'text/plain':
      return isPlainText(bytes);
    default: {
      const unknown: never = type;
      throw new TypeError(`unhandled content type ${String(unknown)}`);
    }
  }
}

/**
 * Checks a document before it is stored: an allowed type (else `UNSUPPORTED_CONTENT_TYPE`),
 * not empty nor over the limit (`CONTENT_TOO_LARGE`), and its bytes of the declared type
 * (`CONTENT_MISMATCH`): the recipient's viewer must never be handed an executable labelled PDF.
 */
export function checkContent(declaredType: string, bytes: Uint8Array): LetterContentType {
  if (!isLetterContentType(declaredType)) {
    throw reject(
      'UNSUPPORTED_CONTENT_TYPE',
      `a letter carries ${LETTER_CONTENT_TYPES.join(', ')}; not ${declaredType}`,
      [{ field: 'contentType', code: 'unsupported', message: 'not an allowed type' }],
    );
  }
  if (bytes.length > LETTER_LIMITS.maxContentBytes) {
    throw reject(
      'CONTENT_TOO_LARGE',
      `the document is ${String(bytes.length)} bytes; at most ${String(LETTER_LIMITS.maxContentBytes)}`,
      [{ field: 'content', code: 'too-large', message: 'at most 10 MiB once decoded' }],
    );
  }
  if (bytes.length === 0) {
    throw reject('INVALID_INPUT', 'the document is empty', [
      { field: 'content', code: 'empty', message: 'the document has no bytes' },
    ]);
  }
  if (!contentMatches(declaredType, bytes)) {
    throw reject('CONTENT_MISMATCH', `the content is not ${declaredType}`, [
      { field: 'content', code: 'type-mismatch', message: `its bytes are not ${declaredType}` },
    ]);
  }
  return declaredType;
}
