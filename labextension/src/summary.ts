/**
 * What the panel and the cell markers show, derived from the record in the notebook's
 * metadata and the last check's result. Pure functions of data: no widgets, no kernel,
 * so the same rules serve the panel, the markers and the tests.
 */
import {
  ICause,
  ICellRecord,
  ICellResult,
  IDataDrift,
  INotebookRecord,
  INotebookResult,
  IOutputDiff,
  IRecordWarning,
  ISeedEvent
} from './types';

/** One cell as the summary sees it: its id, its record and its current position. */
export interface ICellInfo {
  id: string;
  index: number;
  record: ICellRecord | null;
}

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
  cells: { id: string; index: number }[];
}

export type DataState = 'unchanged' | 'changed' | 'missing' | 'unknown';

export interface IDataItem {
  path: string;
  state: DataState;
  hash: string | null;
  /** The content hash the last check found, when it differs. */
  newHash: string | null;
  cellIndex: number | null;
  written: boolean;
}

export interface IPackageItem {
  name: string;
  version: string | null;
  /** The version the last check ran with, when it differs from the record. */
  checkedVersion?: string | null;
  differs: boolean;
}

export interface ISeedItem extends ISeedEvent {
  cellIndex: number | null;
}

export interface IDriftItem {
  cellId: string | null;
  cellIndex: number | null;
  status: string;
  executionCount: number | null;
  causes: ICause[];
  diffs: IOutputDiff[];
  failure: ICellResult['failure'];
}

export interface ISummary {
  hasRecord: boolean;
  recordedCells: number;
  warnings: IWarningItem[];
  seeds: ISeedItem[];
  data: IDataItem[];
  packages: IPackageItem[];
  environment: [string, string][];
  drift: IDriftItem[];
  verdict: string | null;
  verdictMessage: string | null;
  /** The five-star rating, only when the data carries one (never invented here). */
  rating: unknown;
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
  'recorder-error': 6
};

/** `blake3:af13c2…` → `blake3:af13c29e10`. */
export function shortHash(hash: string | null | undefined, length = 10): string | null {
  if (!hash) {
    return null;
  }
  const [algorithm, hex] = hash.includes(':') ? hash.split(':', 2) : ['', hash];
  return algorithm ? `${algorithm}:${hex.slice(0, length)}` : hex.slice(0, length);
}

/**
 * The warnings of one cell: what the recorder said about its last run, plus packages
 * whose recorded version differs from the version of the current session.
 */
export function cellWarnings(
  record: ICellRecord | null,
  notebook: INotebookRecord | null
): IRecordWarning[] {
  if (!record) {
    return [];
  }
  const warnings: IRecordWarning[] = [...(record.warnings ?? [])];
  const packages = notebook?.packages;
  if (packages) {
    const seen = new Set(
      warnings.filter(w => w.kind === 'package-changed').map(w => w.library)
    );
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

/** The drift of each cell after a check, keyed by cell id (and by `#index` without id). */
export function driftByCell(result: INotebookResult | null): Map<string, ICellResult> {
  const found = new Map<string, ICellResult>();
  for (const cell of result?.cells ?? []) {
    if (cell.status !== 'drifted' && cell.status !== 'failed') {
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
  drift: Map<string, ICellResult>,
  cellId: string,
  index: number
): ICellResult | undefined {
  return drift.get(cellId) ?? drift.get(`#${index}`);
}

function environmentRows(notebook: INotebookRecord | null): [string, string][] {
  const env = notebook?.environment;
  if (!env) {
    return [];
  }
  const rows: [string, string][] = [];
  const py = env.python as Record<string, unknown> | undefined;
  if (py) {
    rows.push([
      'Python',
      [py.implementation, py.version].filter(Boolean).join(' ') +
        (py.in_virtualenv ? ' (virtualenv)' : '')
    ]);
  }
  const platform = env.platform as Record<string, unknown> | undefined;
  if (platform) {
    rows.push([
      'Platform',
      [platform.os ?? platform.system, platform.machine].filter(Boolean).join(', ')
    ]);
  }
  const cpu = env.cpu as Record<string, unknown> | undefined;
  if (cpu) {
    rows.push(['CPU', [cpu.model, cpu.count ? `${cpu.count} cores` : null].filter(Boolean).join(', ')]);
  }
  if (env.gpus && env.gpus.length > 0) {
    rows.push(['GPUs', env.gpus.map(g => describe(g)).join('; ')]);
  }
  if (env.blas && env.blas.length > 0) {
    rows.push(['BLAS', env.blas.map(b => describe(b)).join('; ')]);
  }
  for (const [name, value] of Object.entries(env.env ?? {})) {
    rows.push([name, value]);
  }
  if (notebook?.recorder?.version) {
    rows.push(['Recorder', `repro-nb ${notebook.recorder.version}`]);
  }
  return rows;
}

function describe(value: unknown): string {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const name = v.name ?? v.internal_api ?? v.user_api ?? v.filepath;
    const parts = [name, v.version, v.num_threads ? `${v.num_threads} threads` : null];
    return parts.filter(Boolean).join(' ');
  }
  return String(value);
}

/**
 * Everything the panel shows. `cells` is the notebook's cells in their current order,
 * `result` the last finished check of the saved notebook (or null).
 */
export function summarize(
  notebook: INotebookRecord | null,
  cells: ICellInfo[],
  result: INotebookResult | null
): ISummary {
  const byId = new Map(cells.map(c => [c.id, c]));
  const recorded = cells.filter(c => c.record);

  // Warnings: each cell's own (the state of its last run), then notebook-wide ones
  // that belong to no cell.
  const warnings: IWarningItem[] = [];
  for (const cell of recorded) {
    for (const w of cellWarnings(cell.record, notebook)) {
      warnings.push({
        kind: w.kind,
        message: w.message,
        cellId: cell.id,
        cellIndex: cell.index,
        executionCount: cell.record?.execution_count ?? w.execution_count ?? null,
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

  // Packages that the check found different from the record are warnings too.
  const checkedPackages = new Map((result?.packages ?? []).map(p => [p.distribution, p]));
  for (const p of checkedPackages.values()) {
    if (p.old === p.new) {
      continue;
    }
    const origin = p.imported_by.length > 0 ? p.imported_by[0] : null;
    const cell = origin !== null ? cells[origin] ?? null : null;
    warnings.push({
      kind: 'package-changed',
      message: `${p.distribution} ${p.old ?? '(not recorded)'} → ${p.new ?? 'not installed'} in the check`,
      cellId: cell?.id ?? null,
      cellIndex: cell ? cell.index : null,
      executionCount: null,
      cells: cell ? [{ id: cell.id, index: cell.index }] : []
    });
  }
  const grouped = groupWarnings(warnings);

  // Seeds: what each cell set on its last run, in notebook order.
  const seeds: ISeedItem[] = [];
  for (const cell of recorded) {
    for (const s of cell.record?.seeds ?? []) {
      seeds.push({ ...s, cellIndex: cell.index });
    }
  }
  if (seeds.length === 0) {
    for (const s of notebook?.seeds ?? []) {
      seeds.push({ ...s, cellIndex: s.cell_id ? byId.get(s.cell_id)?.index ?? null : null });
    }
  }

  // Data files: the record's last known state, overridden by what the check found.
  const checkedData = new Map<string, IDataDrift>(
    (result?.data ?? []).map(d => [d.path, d])
  );
  const changedByWarning = new Set(
    warnings.filter(w => w.kind.endsWith('data-changed')).map(w => w.path ?? pathOf(w.message))
  );
  const files = new Map<string, IDataItem>();
  const sources = notebook?.data ?? [];
  const fromCells = recorded.flatMap(c =>
    [...(c.record?.reads ?? []), ...(c.record?.writes ?? [])].map(d => ({
      ...d,
      cell_id: c.id
    }))
  );
  for (const d of sources.length > 0 ? sources : fromCells) {
    const cell = d.cell_id ? byId.get(d.cell_id) : undefined;
    const written = fromCells.some(f => f.path === d.path && recordedWrites(recorded, f.path));
    const check = checkedData.get(d.path);
    let state: DataState = d.status === 'ok' ? 'unchanged' : d.status === 'missing' ? 'missing' : 'unknown';
    if (changedByWarning.has(d.path)) {
      state = 'changed';
    }
    if (check && check.status !== 'unrecorded') {
      state = check.status;
    }
    files.set(d.path, {
      path: d.path,
      state,
      hash: d.hash ?? null,
      newHash: check && check.new_hash !== d.hash ? check.new_hash : null,
      cellIndex: cell ? cell.index : null,
      written
    });
  }
  for (const check of checkedData.values()) {
    if (!files.has(check.path) && check.status !== 'unrecorded') {
      files.set(check.path, {
        path: check.path,
        state: check.status,
        hash: check.old_hash,
        newHash: check.new_hash,
        cellIndex: check.read_by.length > 0 ? check.read_by[0] : null,
        written: false
      });
    }
  }

  // Packages: the record's, with the check's version where it differs.
  const packages: IPackageItem[] = Object.entries(notebook?.packages ?? {})
    .map(([name, version]) => {
      const check = checkedPackages.get(name);
      const differs = !!check && check.old !== check.new;
      return { name, version, checkedVersion: differs ? check!.new : undefined, differs };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  // Drift after a check, in notebook order.
  const drift: IDriftItem[] = [];
  for (const c of result?.cells ?? []) {
    if (c.status !== 'drifted' && c.status !== 'failed') {
      continue;
    }
    const cell = c.cell_id ? byId.get(c.cell_id) : undefined;
    drift.push({
      cellId: cell?.id ?? c.cell_id,
      cellIndex: cell ? cell.index : c.index,
      status: c.status,
      executionCount: c.execution_count,
      causes: c.causes ?? [],
      diffs: c.diffs ?? [],
      failure: c.failure
    });
  }

  return {
    hasRecord: !!notebook || recorded.length > 0,
    recordedCells: recorded.length,
    warnings: grouped,
    seeds,
    data: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)),
    packages,
    environment: environmentRows(notebook),
    drift,
    verdict: result?.verdict ?? notebook?.verdict ?? null,
    verdictMessage: result?.message ?? null,
    rating: result?.rating ?? notebook?.rating ?? null
  };
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

function recordedWrites(cells: ICellInfo[], path: string): boolean {
  return cells.some(c => (c.record?.writes ?? []).some(w => w.path === path));
}

/** The data path a `data-changed` warning is about: its message starts with it. */
function pathOf(message: string): string {
  return message.split(' ')[0];
}

/** The tooltip lines of a cell's marker. */
export function markerMessages(
  warnings: IRecordWarning[],
  drift: ICellResult | undefined
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
