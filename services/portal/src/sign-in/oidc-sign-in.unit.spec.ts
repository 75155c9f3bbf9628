import { SignInFailed, callbackUrl, signedInFromClaims } from './oidc-sign-in';

describe('who signed in, from the ID token', () => {
  it('is a citizen whose subject is their national identification number', () => {
    expect(
      signedInFromClaims({ sub: '1983081200071', role: 'citizen', name: 'Anna Schmit' }, 'role'),
    ).toEqual({ role: 'citizen', nationalId: '1983081200071', displayName: 'Anna Schmit' });
  });

  it('is named by given and family name without a name claim, else by subject', () => {
    expect(
      signedInFromClaims(
        { sub: '1983081200071', role: 'citizen', given_name: 'Anna', family_name: 'Schmit' },
        'role',
      ).displayName,
    ).toBe('Anna Schmit');
    expect(signedInFromClaims({ sub: 'ops-7', portal_role: 'operator' }, 'portal_role')).toEqual({
      role: 'operator',
      subject: 'ops-7',
      displayName: 'ops-7',
    });
  });

  it.each([
    [{ sub: 'anna', role: 'citizen' }, /no national identification number/],
    [{ sub: '1983081200071' }, /no portal role \(claim role/],
    [{ sub: '1983081200071', role: 'registrar' }, /no portal role/],
    [{ role: 'operator' }, /no subject/],
  ])('refuses %j', (claims, message) => {
    expect(() => signedInFromClaims(claims, 'role')).toThrow(SignInFailed);
    expect(() => signedInFromClaims(claims, 'role')).toThrow(message);
  });

  it('comes back to the public address', () => {
    expect(
      callbackUrl({
        kind: 'oidc',
        issuer: 'https://id.example',
        clientId: 'portal',
        clientSecretFile: '/secrets/client-secret',
        publicUrl: 'https://portal.example',
        scopes: 'openid',
        resource: undefined,
        roleClaim: 'role',
      }),
    ).toBe('https://portal.example/sign-in/callback');
  });
});
