/**
 * Where a check of the panel's notebook stands, as the check section shows it. A pure
 * function of the server's Check (docs/rest-api.md), so the rules are unit-tested in a
 * bare Node; the view only words and draws each phase.
 *
 * The server runs a bounded number of checks at once; the rest wait in line (`queued`,
 * with their `position`), and a request beyond the line is refused with 429, whose
 * message the panel shows like any other refusal.
 */

/** The members of a Check (model/restApi.ts) that decide its phase. */
export interface ICheckStatus {
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  position?: number | null;
  progress: { cell: number; total: number } | null;
}

export type CheckPhase =
  /** No check of this notebook known. */
  | { kind: 'idle' }
  /** The request is on its way to the server. */
  | { kind: 'requested' }
  /** Waiting for a free slot; 1 is the next to start (null: the server did not say). */
  | { kind: 'queued'; position: number | null }
  /** Running, before its first cell: the kernel is starting. */
  | { kind: 'starting' }
  /** Running a cell (0-based) of `total`. */
  | { kind: 'running'; cell: number; total: number }
  | { kind: 'done' | 'failed' | 'cancelled' };

/** Queued or running: the check is not over, so it is followed and can be cancelled. */
export function isActive(check: ICheckStatus | null): boolean {
  return check?.state === 'queued' || check?.state === 'running';
}

export function checkPhase(check: ICheckStatus | null, requested = false): CheckPhase {
  if (requested) {
    return { kind: 'requested' };
  }
  if (!check) {
    return { kind: 'idle' };
  }
  switch (check.state) {
    case 'queued':
      return {
        kind: 'queued',
        position: typeof check.position === 'number' ? check.position : null
      };
    case 'running':
      return check.progress
        ? { kind: 'running', cell: check.progress.cell, total: check.progress.total }
        : { kind: 'starting' };
    default:
      return { kind: check.state };
  }
}
