/**
 * The drift the last check found, per cell: what the panel's Drift section lists and
 * what the markers look up by cell.
 */
import type { Cause, CellResult, NotebookResult, OutputDiff } from '../schema/check.js';
import type { ICellInfo } from './cells.js';

export interface IDriftItem {
  cellId: string | null;
  cellIndex: number | null;
  status: string;
  executionCount: number | null;
  causes: Cause[];
  diffs: OutputDiff[];
  failure: CellResult['failure'];
}

function drifted(cell: CellResult): boolean {
  return cell.status === 'drifted' || cell.status === 'failed';
}

/** The drifted and failed cells, in notebook order, placed where they are now. */
export function driftItems(result: NotebookResult | null, cells: ICellInfo[]): IDriftItem[] {
  const byId = new Map(cells.map(c => [c.id, c]));
  const items: IDriftItem[] = [];
  for (const c of result?.cells ?? []) {
    if (!drifted(c)) {
      continue;
    }
    const cell = c.cell_id ? byId.get(c.cell_id) : undefined;
    items.push({
      cellId: cell?.id ?? c.cell_id,
      cellIndex: cell ? cell.index : c.index,
      status: c.status,
      executionCount: c.execution_count,
      causes: c.causes ?? [],
      diffs: c.diffs ?? [],
      failure: c.failure
    });
  }
  return items;
}

/** The drift of each cell after a check, keyed by cell id (and by `#index` without id). */
export function driftByCell(result: NotebookResult | null): Map<string, CellResult> {
  const found = new Map<string, CellResult>();
  for (const cell of result?.cells ?? []) {
    if (!drifted(cell)) {
      continue;
    }
    if (cell.cell_id) {
      found.set(cell.cell_id, cell);
    } else if (cell.index !== null) {
      found.set(`#${cell.index}`, cell);
    }
  }
  return found;
}

/** The drift entry for a cell: by id, else by its position in the checked (saved) file. */
export function driftFor(
  drift: Map<string, CellResult>,
  cellId: string,
  index: number
): CellResult | undefined {
  return drift.get(cellId) ?? drift.get(`#${index}`);
}

/**
 * The diffs worth showing in the narrow panel: a rich output's text/html difference is
 * left out when its text/plain one says the same (the raw HTML and then the table as
 * text was noise); nbdime's tab shows every representation.
 */
export function compactDiffs(diffs: OutputDiff[]): OutputDiff[] {
  const plain = new Set(
    diffs.filter(d => d.mime === 'text/plain').map(d => `${d.output_index ?? ''}`)
  );
  return diffs.filter(d => !(d.mime === 'text/html' && plain.has(`${d.output_index ?? ''}`)));
}
