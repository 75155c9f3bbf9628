/**
 * Deciders: the shape of every aggregate's pure business logic (`decide`, `evolve`,
 * `initialState`), the typed business rejection, and given-when-then specifications for unit
 * tests. Pure TypeScript: no Node, framework or I/O imports, so domain libraries may depend on it.
 *
 * @packageDocumentation
 */
export { DomainRejection, evolveAll, isDomainRejection } from './lib/decider';
export type { Decider, FieldIssue } from './lib/decider';
export { DeciderSpecification, SpecificationFailure } from './lib/decider-specification';
export type {
  DeciderSpecificationGiven,
  DeciderSpecificationThen,
  DeciderSpecificationWhen,
  ExpectedFieldIssue,
} from './lib/decider-specification';
