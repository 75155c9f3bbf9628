// Structural equality and printing for decider specifications. Domain events are data (plain
// objects, arrays, dates, bytes, big integers), so this covers data, not arbitrary objects, and
// keeps the library free of test-framework and Node imports.

/**
 * Whether `a` and `b` hold the same data: primitives by value (`NaN` equals `NaN`), dates by
 * instant, byte arrays by content, arrays in order, maps and sets by content, other objects by
 * prototype and own enumerable properties, where a property set to `undefined` counts as absent.
 */
export function structurallyEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // 0 and -0 are the same number in events.
    return typeof a === 'number' && a === b;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return false;
  }
  if (a instanceof Date) {
    return a.getTime() === (b as Date).getTime();
  }
  if (ArrayBuffer.isView(a)) {
    return sameBytes(a, b as ArrayBufferView);
  }
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => structurallyEqual(item, other[i]));
  }
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>;
    return (
      a.size === other.size &&
      [...a].every(([key, value]) => other.has(key) && structurallyEqual(value, other.get(key)))
    );
  }
  if (a instanceof Set) {
    const other = b as Set<unknown>;
    return a.size === other.size && [...a].every((value) => other.has(value));
  }
  const left = definedEntries(a);
  const right = new Map(definedEntries(b));
  return (
    left.length === right.size &&
    left.every(([key, value]) => right.has(key) && structurallyEqual(value, right.get(key)))
  );
}

function definedEntries(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** Prints data for a failure message: JSON, with big integers, dates, bytes and maps readable. */
export function describeValue(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') {
      return `${v.toString()}n`;
    }
    if (v === undefined) {
      return '<undefined>';
    }
    if (ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return `<bytes ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}>`;
    }
    if (v instanceof Map) {
      return { '<map>': [...v] };
    }
    if (v instanceof Set) {
      return { '<set>': [...v] };
    }
    return v;
  });
}
