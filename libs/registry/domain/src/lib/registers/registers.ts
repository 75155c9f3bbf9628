/**
 * The registers (authentic sources) this library holds, each a folder beside this file with its
 * own decider. A new register adds its folder and its name here; see the library's README.
 */
export type RegisterName = 'persons' | 'businesses' | 'vehicles';

/** Every register, for validation. */
export const REGISTER_NAMES: readonly RegisterName[] = ['persons', 'businesses', 'vehicles'];
