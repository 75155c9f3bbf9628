/**
 * Authentication for the platform's HTTP APIs: bearer JWTs verified with `jose` against a JWKS
 * (the identity provider's URL in a deployment, a local key file in development), turned into
 * registrar, citizen, agency or operator {@link Principal}s.
 */
export { AuthModule } from './lib/auth.module';
export { authVariables, checkAuthVariables, toAuthConfig } from './lib/auth-config';
export type { AuthConfig, AuthVariables } from './lib/auth-config';
export { AuthGuard, CurrentPrincipal, Roles, principalOf } from './lib/auth.guard';
export { TokenVerifier, TokenRejectedError } from './lib/token-verifier';
export type { KeySource, TokenProblem, TokenVerifierOptions } from './lib/token-verifier';
export { principalFromClaims, InvalidClaimsError } from './lib/principal';
export type { Principal, PrincipalKind, RegisterName } from './lib/principal';
export { ensureLocalSigningKeys, mintToken } from './lib/local-keys';
export type { LocalSigningKeys, TokenRequest } from './lib/local-keys';
export { OwnToken, ownTokenSource } from './lib/own-token';
export type { OwnTokenSource } from './lib/own-token';
