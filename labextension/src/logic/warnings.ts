/**
 * The warnings the panel lists and the markers show: what the recorder said about
 * each cell's last run, notebook-wide ones, and packages that moved (since the cell
 * ran, or in the last check).
 */
import type { NotebookResult } from '../schema/check.js';
import type { CellRecord, NotebookRecord, RecordWarning } from '../schema/record.js';
import type { ICellInfo, ICellPlace } from './cells.js';

export interface IWarningItem {
  kind: string;
  message: string;
  cellId: string | null;
  /** Current 0-based position of the cell, null when the cell is gone or unknown. */
  cellIndex: number | null;
  executionCount: number | null;
  /** The data file a data warning is about. */
  path?: string;
  /** Every cell with this same warning (the first is `cellIndex`), in notebook order. */
  cells: ICellPlace[];
}

/** Warning kinds listed first, in this order (the order). */
const KIND_RANK: Record<string, number> = {
  'unseeded-rng': 0,
  'data-changed': 1,
  'pinned-data-changed': 1,
  'data-missing': 2,
  'out-of-order': 3,
  rerun: 4,
  'package-changed': 5,
  'recorder-error': 6,
  'not-rerun': 7,
  'shadowed-module': 8,
  'skewed-evaluation': 7,
  'label-shift': 7
};

/**
 * The warnings of one cell: what the recorder said about its last run, plus packages
 * whose recorded version differs from the version of the current session.
 */
export function cellWarnings(
  record: CellRecord | null,
  notebook: NotebookRecord | null
): RecordWarning[] {
  if (!record) {
    return [];
  }
  const warnings: RecordWarning[] = [...(record.warnings ?? [])];
  const packages = notebook?.packages;
  if (packages) {
    const seen = new Set(warnings.filter(w => w.kind === 'package-changed').map(w => w.library));
    for (const imported of record.imports ?? []) {
      const name = imported.distribution;
      if (!name || seen.has(name) || !(name in packages)) {
        continue;
      }
      const now = packages[name];
      if (imported.version && now && imported.version !== now) {
        seen.add(name);
        warnings.push({
          kind: 'package-changed',
          library: name,
          old: imported.version,
          new: now,
          message: `${name} ${imported.version} when this cell ran; the session now has ${now}`
        });
      }
    }
  }
  return warnings;
}

/**
 * Every warning, ungrouped: each cell's own (the state of its last run), then
 * notebook-wide ones that belong to no cell, then packages the check found changed.
 */
export function warningItems(
  notebook: NotebookRecord | null,
  cells: ICellInfo[],
  result: NotebookResult | null
): IWarningItem[] {
  const byId = new Map(cells.map(c => [c.id, c]));
  const warnings: IWarningItem[] = [];
  for (const cell of cells) {
    if (!cell.record) {
      continue;
    }
    for (const w of cellWarnings(cell.record, notebook)) {
      warnings.push({
        kind: w.kind,
        message: w.message,
        cellId: cell.id,
        cellIndex: cell.index,
        executionCount: cell.record.execution_count ?? w.execution_count ?? null,
        path: w.path,
        cells: [{ id: cell.id, index: cell.index }]
      });
    }
  }
  const seenMessages = new Set(warnings.map(w => w.message));
  for (const w of notebook?.warnings ?? []) {
    if (w.cell_id && byId.has(w.cell_id)) {
      continue; // the cell's own record says what is current
    }
    if (w.cell_id || seenMessages.has(w.message)) {
      continue; // a cell that no longer exists
    }
    seenMessages.add(w.message);
    warnings.push({
      kind: w.kind,
      message: w.message,
      cellId: null,
      cellIndex: null,
      executionCount: w.execution_count ?? null,
      cells: []
    });
  }
  for (const p of result?.packages ?? []) {
    if (p.old === p.new) {
      continue;
    }
    const origin = p.imported_by.length > 0 ? p.imported_by[0] : null;
    const cell = origin !== null ? (cells[origin] ?? null) : null;
    warnings.push({
      kind: 'package-changed',
      message: `${p.distribution} ${p.old ?? '(not recorded)'} → ${p.new ?? 'not installed'} in the check`,
      cellId: cell?.id ?? null,
      cellIndex: cell ? cell.index : null,
      executionCount: null,
      cells: cell ? [{ id: cell.id, index: cell.index }] : []
    });
  }
  return warnings;
}

/**
 * One entry per distinct warning: the same message from many cells (a loop of
 * unseeded draws) is listed once with all its cells. Sorted by kind, then position.
 */
export function groupWarnings(warnings: IWarningItem[]): IWarningItem[] {
  const groups = new Map<string, IWarningItem>();
  for (const w of warnings) {
    const key = `${w.kind}\u0000${w.message}`;
    const group = groups.get(key);
    if (group) {
      group.cells.push(...w.cells);
    } else {
      groups.set(key, { ...w, cells: [...w.cells] });
    }
  }
  const result = [...groups.values()];
  for (const w of result) {
    w.cells.sort((a, b) => a.index - b.index);
    if (w.cells.length > 0) {
      w.cellIndex = w.cells[0].index;
      w.cellId = w.cells[0].id;
    }
  }
  result.sort(
    (a, b) =>
      (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) ||
      (a.cellIndex ?? 1e9) - (b.cellIndex ?? 1e9)
  );
  return result;
}
