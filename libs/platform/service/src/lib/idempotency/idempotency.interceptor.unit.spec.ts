import { fingerprintOf } from './idempotency.interceptor';

describe('idempotency fingerprint', () => {
  const request = (body: unknown, ifMatch?: string) => ({
    method: 'PUT',
    url: '/persons/1983081246785/address',
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
    body,
  });

  it('is the same whatever the order of the body’s keys', () => {
    expect(fingerprintOf(request({ a: 1, b: { c: 2, d: [1, 2] } }))).toBe(
      fingerprintOf(request({ b: { d: [1, 2], c: 2 }, a: 1 })),
    );
  });

  it('differs with the body, the precondition or the path', () => {
    const base = fingerprintOf(request({ a: 1 }));
    expect(fingerprintOf(request({ a: 2 }))).not.toBe(base);
    expect(fingerprintOf(request({ a: 1 }, '"2"'))).not.toBe(base);
    expect(fingerprintOf({ ...request({ a: 1 }), url: '/persons/1983081246785/name' })).not.toBe(
      base,
    );
    expect(fingerprintOf(request({ d: [2, 1] }))).not.toBe(fingerprintOf(request({ d: [1, 2] })));
  });
});
