/**
 * The data files the panel lists: the record's last known state of each, overridden by
 * what the last check found (a changed hash, a missing file).
 */
import type { DataDrift, NotebookResult } from '../schema/check.js';
import type { NotebookRecord } from '../schema/record.js';
import type { ICellInfo } from './cells.js';
import type { IWarningItem } from './warnings.js';

export type DataState = 'unchanged' | 'changed' | 'missing' | 'unknown';

/** A file as it is on disk now (`POST /repro-nb/data`, docs/rest-api.md). */
export interface ILiveDataState {
  path: string;
  state: DataState;
  hash: string | null;
  size: number | null;
  modified_at: string | null;
  reason?: string;
}

export interface IDataItem {
  path: string;
  state: DataState;
  /** The state comes from looking at the file now, not from the record or a check. */
  live: boolean;
  /** When the file was last modified (live state only). */
  modifiedAt: string | null;
  reason?: string;
  hash: string | null;
  /** The content hash the last check found, when it differs. */
  newHash: string | null;
  cellIndex: number | null;
  written: boolean;
}

/**
 * `warnings` are the record's (ungrouped): a `data-changed` one marks its file changed
 * before any check ran. `live`: the files as they are on disk now, which say the last
 * word (a file edited since the check, or restored).
 */
export function dataItems(
  notebook: NotebookRecord | null,
  cells: ICellInfo[],
  result: NotebookResult | null,
  warnings: IWarningItem[],
  live: ILiveDataState[] = []
): IDataItem[] {
  const now = new Map(live.map(l => [l.path, l]));
  const byId = new Map(cells.map(c => [c.id, c]));
  const checked = new Map<string, DataDrift>((result?.data ?? []).map(d => [d.path, d]));
  const changedByWarning = new Set(
    warnings.filter(w => w.kind.endsWith('data-changed')).map(w => w.path ?? pathOf(w.message))
  );
  const written = new Set(cells.flatMap(c => (c.record?.writes ?? []).map(w => w.path)));
  const fromCells = cells.flatMap(c =>
    [...(c.record?.reads ?? []), ...(c.record?.writes ?? [])].map(d => ({ ...d, cell_id: c.id }))
  );
  const sources = notebook?.data ?? [];
  const files = new Map<string, IDataItem>();
  for (const d of sources.length > 0 ? sources : fromCells) {
    const cell = d.cell_id ? byId.get(d.cell_id) : undefined;
    const check = checked.get(d.path);
    let state: DataState =
      d.status === 'ok' ? 'unchanged' : d.status === 'missing' ? 'missing' : 'unknown';
    if (changedByWarning.has(d.path)) {
      state = 'changed';
    }
    if (check && check.status !== 'unrecorded') {
      state = check.status;
    }
    const seen = now.get(d.path);
    const isLive = !!seen && seen.state !== 'unknown' && !written.has(d.path);
    let newHash = check && check.new_hash !== d.hash ? check.new_hash : null;
    if (isLive) {
      state = seen.state;
      newHash = seen.state === 'changed' ? seen.hash : null;
    }
    files.set(d.path, {
      path: d.path,
      state,
      live: isLive,
      modifiedAt: seen?.modified_at ?? null,
      reason: seen?.reason,
      hash: d.hash ?? null,
      newHash,
      cellIndex: cell ? cell.index : null,
      written: written.has(d.path)
    });
  }
  for (const check of checked.values()) {
    if (!files.has(check.path) && check.status !== 'unrecorded') {
      files.set(check.path, {
        path: check.path,
        state: check.status,
        live: false,
        modifiedAt: null,
        hash: check.old_hash,
        newHash: check.new_hash,
        cellIndex: check.read_by.length > 0 ? check.read_by[0] : null,
        written: false
      });
    }
  }
  return [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** The data path a `data-changed` warning is about: its message starts with it. */
function pathOf(message: string): string {
  return message.split(' ')[0];
}

/** The files to ask the server about: every recorded input, with the hash it had. */
export function dataQuery(
  notebook: NotebookRecord | null,
  cells: ICellInfo[]
): { path: string; hash: string | null; size?: number | null }[] {
  const query = new Map<string, { path: string; hash: string | null; size?: number | null }>();
  const fromCells = cells.flatMap(c => c.record?.reads ?? []);
  for (const d of (notebook?.data ?? []).length > 0 ? (notebook?.data ?? []) : fromCells) {
    if (d.kind === 'directory' || !d.path) {
      continue;
    }
    query.set(d.path, { path: d.path, hash: d.hash ?? null, size: d.size ?? null });
  }
  return [...query.values()];
}
