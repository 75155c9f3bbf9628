// Sign-in in a deployment: OpenID Connect, authorization code flow with PKCE, the portal a
// confidential client (openid-client, a certified relying-party library). The identity provider
// issues both the ID token (who signed in, read here) and the access token the services verify
// (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE); the portal keeps the access token in the sealed
// session and never reads it. What must survive the round trip to the provider (state, nonce,
// PKCE verifier, where to go back) travels in a short-lived sealed cookie of its own.
import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';

import type { PortalConfig, SignInConfig } from '../portal.config';
import { isLoopback } from '../portal.config';
import { OIDC_CLIENT_SECRET, PORTAL_CONFIG } from '../portal.tokens';
import type { SignedIn } from '../session/session';

type OidcConfig = Extract<SignInConfig, { kind: 'oidc' }>;

/** The cookie holding a sign-in in progress (10 minutes). */
export const SIGN_IN_COOKIE = 'portal_sign_in';
export const SIGN_IN_MINUTES = 10;

/** What the portal remembers between sending a person to the provider and their return. */
export interface SignInTransaction {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly next: string;
  readonly expiresAt: number;
}

/** A completed sign-in. */
export interface SignedInWithProvider {
  readonly user: SignedIn;
  readonly token: string;
  /** When the access token expires (epoch ms). */
  readonly tokenExpiresAt: number;
}

/** Why a sign-in with the provider did not complete; the message is shown to the person. */
export class SignInFailed extends Error {
  override readonly name = 'SignInFailed';
}

const NATIONAL_ID = /^\d{13}$/;

/** The callback address registered with the provider. */
export function callbackUrl(config: OidcConfig): string {
  return `${config.publicUrl}/sign-in/callback`;
}

/**
 * Maps the ID token's claims to who signed in: `role` (the configured claim) `citizen` with a
 * national identification number as `sub` (the platform's token convention), or `operator`.
 */
export function signedInFromClaims(
  claims: Readonly<Record<string, unknown>>,
  roleClaim: string,
): SignedIn {
  const sub = typeof claims['sub'] === 'string' ? claims['sub'] : '';
  const role = claims[roleClaim];
  const text = (name: string): string | undefined => {
    const value = claims[name];
    return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
  };
  const named =
    text('name') ??
    ([text('given_name'), text('family_name')].filter((v) => v !== undefined).join(' ') ||
      undefined);
  if (role === 'citizen') {
    if (!NATIONAL_ID.test(sub)) {
      throw new SignInFailed(
        'the identity provider’s account has no national identification number as its subject',
      );
    }
    return { role: 'citizen', nationalId: sub, displayName: named ?? sub };
  }
  if (role === 'operator') {
    if (sub.length === 0) throw new SignInFailed('the identity provider sent no subject');
    return { role: 'operator', subject: sub, displayName: named ?? sub };
  }
  throw new SignInFailed(
    `the identity provider’s account has no portal role (claim ${roleClaim}: citizen or operator)`,
  );
}

@Injectable()
export class OidcSignIn {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    @Inject(PORTAL_CONFIG) private readonly portal: PortalConfig,
    @Inject(OIDC_CLIENT_SECRET) private readonly clientSecret: string | undefined,
  ) {}

  private get config(): OidcConfig {
    if (this.portal.signIn.kind !== 'oidc') throw new Error('OpenID Connect is not configured');
    return this.portal.signIn;
  }

  /**
   * The provider's configuration, discovered once (`/.well-known/openid-configuration`); a
   * failed discovery is retried on the next sign-in, not cached.
   */
  private configuration(): Promise<oidc.Configuration> {
    if (this.discovered === undefined) {
      const { issuer, clientId } = this.config;
      const clientSecret = this.clientSecret ?? '';
      this.discovered = oidc
        .discovery(
          new URL(issuer),
          clientId,
          undefined,
          oidc.ClientSecretBasic(clientSecret),
          // Plain http only to a provider on this machine (tests, a local provider); the
          // configuration refuses any other http issuer.
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
        )
        .catch((error: unknown) => {
          this.discovered = undefined;
          throw error;
        });
    }
    return this.discovered;
  }

  /** Where to send the person, and the transaction to keep until they come back. */
  async start(next: string): Promise<{ url: URL; transaction: SignInTransaction }> {
    const configuration = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const transaction: SignInTransaction = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier,
      next,
      expiresAt: Date.now() + SIGN_IN_MINUTES * 60_000,
    };
    const parameters: Record<string, string> = {
      redirect_uri: callbackUrl(this.config),
      scope: this.config.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    };
    if (this.config.resource !== undefined) parameters['resource'] = this.config.resource;
    return { url: oidc.buildAuthorizationUrl(configuration, parameters), transaction };
  }

  /**
   * Completes the sign-in from the provider's redirect (`callback`: the full URL it called):
   * checks state, exchanges the code with the PKCE verifier, validates the ID token (signature,
   * issuer, audience, nonce, expiry) and maps its claims.
   *
   * @throws SignInFailed with the provider's error or the reason the answer was refused.
   */
  async finish(callback: URL, transaction: SignInTransaction): Promise<SignedInWithProvider> {
    const configuration = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(
        configuration,
        callback,
        {
          pkceCodeVerifier: transaction.verifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        },
        this.config.resource === undefined ? undefined : { resource: this.config.resource },
      );
    } catch (error) {
      if (error instanceof oidc.AuthorizationResponseError) {
        throw new SignInFailed(error.error_description ?? error.error);
      }
      // openid-client says what it checked in the cause ("unexpected state", a bad nonce).
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
      const message = error instanceof Error ? error.message : String(error);
      throw new SignInFailed(cause === undefined ? message : `${message} (${cause.message})`);
    }
    const claims = tokens.claims();
    if (claims === undefined) throw new SignInFailed('the identity provider sent no ID token');
    const expiresIn = tokens.expiresIn();
    return {
      user: signedInFromClaims(claims, this.config.roleClaim),
      token: tokens.access_token,
      tokenExpiresAt: Date.now() + (expiresIn ?? 300) * 1000,
    };
  }
}
