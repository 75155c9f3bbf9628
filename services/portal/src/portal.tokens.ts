/** Injection token of the portal's validated configuration. */
export const PORTAL_CONFIG = Symbol('PORTAL_CONFIG');

/** Injection token of the OpenID Connect client secret (read from its file at start-up). */
export const OIDC_CLIENT_SECRET = Symbol('OIDC_CLIENT_SECRET');
