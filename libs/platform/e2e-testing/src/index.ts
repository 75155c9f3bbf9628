/**
 * Services as processes for e2e specs, started as the local tools start them (a database of
 * their own, migrated; tokens verified against the spec's local signing keys), and the JSON
 * calls a spec makes to them. Apart from `@gov/platform-testing` because it needs
 * `@gov/platform-auth`, whose own tests use that library.
 */
export { ServicesUnderTest, callJson, stopProcess } from './lib/services-under-test';
export type { JsonAnswer, ServiceUnderTest, StartOptions } from './lib/services-under-test';
export { aPerson, randomBirthDate } from './lib/person-registration';
export type { PersonRegistration } from './lib/person-registration';
