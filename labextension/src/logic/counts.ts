/**
 * The counts the panel's summary shows, from the same cells the lists show, so that the
 * two always agree: "2 of 8 cells drifted, 1 failed" heads a list of three entries, and
 * the cells that were not run are named, not only counted.
 */
import type { CellResult, NotebookResult } from '../schema/check.js';

export interface ICheckCounts {
  /** Code cells whose outputs were compared (reproduced, drifted or failed). */
  compared: number;
  reproduced: number;
  drifted: number;
  failed: number;
  /** Not compared: execution stopped before them, tagged to skip, never run before saving. */
  notRun: CellResult[];
  skipped: CellResult[];
  notStored: CellResult[];
  /** Only in the re-run / only in the stored notebook. */
  added: number;
  removed: number;
}

export function checkCounts(result: NotebookResult | null): ICheckCounts | null {
  if (!result) {
    return null;
  }
  const of = (status: string) => result.cells.filter(c => c.status === status);
  const drifted = of('drifted').length;
  const failed = of('failed').length;
  const reproduced = of('reproduced').length;
  return {
    compared: reproduced + drifted + failed,
    reproduced,
    drifted,
    failed,
    notRun: of('not-run'),
    skipped: of('skipped'),
    notStored: of('not-stored'),
    added: of('added').length,
    removed: of('removed').length
  };
}

/**
 * "2 of 8 cells drifted", "1 of 8 cells failed", "3 of 8 cells did not reproduce: 2
 * drifted, 1 failed": the headline of the summary, over the same cells as the list.
 */
export function countsLine(counts: ICheckCounts): string {
  const total = counts.compared;
  const cells = `${total} cell${total === 1 ? '' : 's'}`;
  const bad = counts.drifted + counts.failed;
  if (bad === 0) {
    return total === 0 ? 'no cell to compare' : `all ${cells} reproduced`;
  }
  if (counts.failed === 0) {
    return `${counts.drifted} of ${cells} drifted`;
  }
  if (counts.drifted === 0) {
    return `${counts.failed} of ${cells} failed`;
  }
  return `${bad} of ${cells} did not reproduce: ${counts.drifted} drifted, ${counts.failed} failed`;
}
