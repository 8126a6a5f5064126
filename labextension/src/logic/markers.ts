/**
 * What a cell's marker says: the tooltip lines for its warnings and its drift.
 */
import type { CellResult } from '../schema/check.js';
import type { RecordWarning } from '../schema/record.js';

export function markerMessages(
  warnings: RecordWarning[],
  drift: CellResult | undefined
): { warning: string[]; drift: string[] } {
  const driftLines: string[] = [];
  if (drift) {
    driftLines.push(
      drift.status === 'failed'
        ? 'repro-nb check: this cell failed when re-run'
        : 'repro-nb check: the output changed when re-run'
    );
    for (const cause of drift.causes ?? []) {
      driftLines.push(`• ${cause.message} (${cause.confidence})`);
    }
  }
  return { warning: warnings.map(w => w.message), drift: driftLines };
}
