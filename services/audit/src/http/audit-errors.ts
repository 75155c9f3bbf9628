import { AuditQueryError } from '@gov/audit-application';
import { ApplicationError } from '@gov/platform-chassis';

/** The audit service's refusals as problems (`application/problem+json`). */
export async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AuditQueryError)) throw error;
    const { problem } = error;
    switch (problem.kind) {
      case 'no-tree-head':
        throw ApplicationError.notFound(problem.detail, {
          cause: error,
          extensions: { code: 'NO_TREE_HEAD' },
        });
      case 'unknown-entry':
        throw ApplicationError.notFound(problem.detail, {
          cause: error,
          extensions: { code: 'UNKNOWN_ENTRY' },
        });
      case 'unknown-tree-head':
        throw ApplicationError.notFound(problem.detail, {
          cause: error,
          extensions: { code: 'UNKNOWN_TREE_HEAD' },
        });
      case 'beyond-tree':
        // The log's state, not the request's shape: a size it has not reached yet, as the
        // replication digest answers a position beyond the head (409 POSITION_NOT_REACHED).
        throw ApplicationError.conflict(problem.detail, {
          cause: error,
          extensions: { code: 'BEYOND_TREE', treeSize: problem.treeSize },
        });
      default: {
        const never: never = problem;
        throw new Error(`unhandled audit problem ${String(never)}`, { cause: error });
      }
    }
  }
}
