import type { EntityManager } from 'typeorm';

import { PgConsentReads } from './consent-reads';

/**
 * Takes, until the end of the caller's transaction, the lock that orders a person's erasure
 * with every grant and preference of theirs: a grant that commits first is ended by the
 * erasure; one that comes after sees the erasure and is refused.
 */
export async function lockSubject(manager: EntityManager, subject: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext('consent.subject'), hashtext($1))`, [
    subject,
  ]);
}

/**
 * When the registry erased `subject` (`null`: not erased), read under the person's lock in the
 * caller's transaction: an erasure committing meanwhile waits for this transaction, and then
 * ends what it granted.
 */
export async function erasureUnderLock(
  manager: EntityManager,
  subject: string,
): Promise<Date | null> {
  await lockSubject(manager, subject);
  return new PgConsentReads(manager).erasureOf(subject);
}
