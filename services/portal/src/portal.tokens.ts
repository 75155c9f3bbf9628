/** Injection token of the portal's validated configuration. */
export const PORTAL_CONFIG = Symbol('PORTAL_CONFIG');
