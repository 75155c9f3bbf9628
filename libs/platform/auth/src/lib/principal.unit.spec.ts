import { InvalidClaimsError, principalFromClaims } from './principal';

describe('principalFromClaims', () => {
  it('reads a registrar with the registers it may write', () => {
    expect(
      principalFromClaims({
        sub: 'clerk-1',
        role: 'registrar',
        registers: ['persons'],
        org: 'rnpp',
      }),
    ).toEqual({
      kind: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
  });

  it("reads a registrar's own national identification number when the token carries it", () => {
    expect(
      principalFromClaims({
        sub: 'clerk-2',
        role: 'registrar',
        registers: ['persons'],
        national_id: '1983081246785',
      }),
    ).toMatchObject({ kind: 'registrar', nationalId: '1983081246785' });
  });

  it('reads a citizen whose subject is a national identification number', () => {
    expect(principalFromClaims({ sub: '1983081246785', role: 'citizen' })).toEqual({
      kind: 'citizen',
      subject: '1983081246785',
    });
  });

  it('reads an agency with its organisation', () => {
    expect(principalFromClaims({ sub: 'svc-7', role: 'agency', org: 'ccss' })).toEqual({
      kind: 'agency',
      subject: 'svc-7',
      organisationId: 'ccss',
    });
  });

  it('reads an operator', () => {
    expect(principalFromClaims({ sub: 'ops-1', role: 'operator' })).toEqual({
      kind: 'operator',
      subject: 'ops-1',
    });
  });

  it.each([
    [{ role: 'citizen' }, /subject/],
    [{ role: 'operator' }, /subject/],
    [{ sub: 'x', role: 'admin' }, /role/],
    [{ sub: 'x' }, /role/],
    [{ sub: 'clerk', role: 'registrar' }, /registers/],
    [{ sub: 'clerk', role: 'registrar', registers: [] }, /registers/],
    [{ sub: 'clerk', role: 'registrar', registers: [3] }, /registers/],
    [{ sub: 'jane', role: 'citizen' }, /national identification number/],
    [
      { sub: 'clerk', role: 'registrar', registers: ['persons'], national_id: '123' },
      /national_id/,
    ],
    [{ sub: 'svc', role: 'agency' }, /organisation/],
  ])('refuses %j', (claims, message) => {
    expect(() => principalFromClaims(claims)).toThrow(InvalidClaimsError);
    expect(() => principalFromClaims(claims)).toThrow(message);
  });

  it('reads a data-protection officer and an auditor, with their organisation when given', () => {
    expect(principalFromClaims({ sub: 'dpo-1', role: 'dpo', org: 'cnpd' })).toEqual({
      kind: 'dpo',
      subject: 'dpo-1',
      organisationId: 'cnpd',
    });
    expect(principalFromClaims({ sub: 'aud-1', role: 'auditor' })).toEqual({
      kind: 'auditor',
      subject: 'aud-1',
      organisationId: undefined,
    });
  });
});
