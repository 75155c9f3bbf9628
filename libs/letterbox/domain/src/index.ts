/**
 * The letterbox context's pure business logic: a letter's delivery, reads, receipt and the end
 * of its retention, as a decider; the checks of a document's type and size; whose letter a
 * delivery is (a delivery agent's on behalf of another organisation). No I/O: time, ids
 * and the reader's businesses come in with the commands.
 *
 * @packageDocumentation
 */
export {
  LETTER_CONTENT_TYPES,
  LETTER_LIMITS,
  checkContent,
  contentMatches,
  isLetterContentType,
} from './lib/content';
export type { LetterContentType } from './lib/content';
export { deliveryOrigin } from './lib/delivery';
export type { DeliveryOrigin } from './lib/delivery';
export { isRecipient, letterDecider } from './lib/letter';
export type {
  DeliveredLetter,
  DeliveryFacts,
  LetterCommand,
  LetterEvent,
  LetterFacts,
  LetterState,
  LetterStatus,
  Reader,
  Recipient,
} from './lib/letter';
export { assertNever } from './lib/rejection';
export type { LetterRejectionCode } from './lib/rejection';
