import type { CaseService } from './case.service';

/**
 * Sends the decision letters the request path could not (letterbox unreachable, process
 * stopped between the decision and the letter): at least once, with an Idempotency-Key derived
 * from the case so the letterbox keeps one letter, and `DecisionLetterSent` recorded once. It
 * appends, so it runs on the primary only (the kit's reactors), with the service's own token.
 */
export class DecisionLetterReactor {
  constructor(
    private readonly cases: CaseService,
    private readonly batchSize = 20,
  ) {}

  /** Sends the letters due; resolves with how many it sent. */
  async runOnce(): Promise<number> {
    const due = await this.cases.lettersDue(this.batchSize);
    if (due.length === 0) return 0;
    const token = await this.cases.token();
    let sent = 0;
    for (const caseId of due) {
      try {
        await this.cases.sendLetter(caseId, token);
        sent += 1;
      } catch {
        // Still unreachable: the case stays on the list for the next round.
      }
    }
    return sent;
  }
}
