/**
 * The server extension's REST shapes (docs/rest-api.md, "version 2"). Hand-written: the
 * REST API has no JSON Schema; the check result inside a Check is the check-result
 * schema's `NotebookResult` (generated, ../schema/check.ts).
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { ILiveDataState } from '../logic/dataFiles';
import { NotebookResult } from '../schema/check';

/**
 * `queued` while it waits for a free slot, `running` until the checker ends: `done`
 * (with a result), `failed` or `cancelled`.
 */
export type CheckState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A check as `POST /repro-nb/checks`, `GET /repro-nb/checks/ID` and `DELETE` answer it. */
export interface ICheck {
  /** Opaque. */
  id: string;
  /** The Contents-API path of the notebook checked. */
  path: string;
  state: CheckState;
  /** While `queued`: the place in the server's line, 1 for the next to start. */
  position: number | null;
  /** When the check was requested. */
  started_at: string;
  finished_at: string | null;
  /** The cell being executed (0-based) and how many there are; null until the first starts. */
  progress: { cell: number; total: number } | null;
  /** Set when `state` is `done`. */
  result: NotebookResult | null;
  /** Set when `state` is `failed`: the checker itself could not run. */
  error: string | null;
}

/** `GET /repro-nb/checks?path=P`: newest first. */
export interface ICheckList {
  checks: ICheck[];
}

/** The body of a `POST /repro-nb/checks`. */
export interface ICheckRequest {
  path: string;
  /** Seconds per cell; the server's default when absent. */
  timeout?: number;
  /** Re-check a drift in the restored recorded environment and name the packages to blame. */
  attribute?: boolean;
  /** Tolerances of the panel's settings; the checker's own when absent. */
  rtol?: number;
  atol?: number;
}

/** Which cells `GET checks/ID/diff` shows: those that drifted or failed, or every cell. */
export type DiffCells = 'drifted' | 'all';

/** One cell of a diff view: where it is in the stored and re-run notebooks. */
export interface IDiffCell {
  index: number | null;
  actual_index: number | null;
  status: string;
  label: string;
}

/**
 * `GET checks/ID/diff`: what nbdime's own `/nbdime/api/diff` answers (`base`, `diff`) for
 * the pair the checker prepared (masks applied), and the cells shown.
 */
export interface IDiffView {
  mode: DiffCells;
  path: string;
  base: nbformat.INotebookContent;
  diff: unknown[];
  cells: IDiffCell[];
  masks: string[];
}

/** `POST /repro-nb/data`: the files as they are on disk now. */
export interface IDataStates {
  path: string;
  files: ILiveDataState[];
  checked_at: string;
}

/** The formats `GET checks/ID/report` answers. */
export type ReportFormat = 'html' | 'json';

/** The formats `GET /repro-nb/environment` exports a notebook's environment in. */
export type EnvironmentFormat = 'requirements' | 'pylock' | 'conda';

/** `GET /repro-nb/environment?path=P&format=F`: the file to save, and its usual name. */
export interface IEnvironmentExport {
  path: string;
  format: EnvironmentFormat;
  filename: string;
  content: string;
}

/** The endpoints, under `<base url>/repro-nb/`. */
export const endpoints = {
  checks: 'checks',
  checksOf: (path: string): string => `checks?path=${encodeURIComponent(path)}`,
  check: (id: string): string => `checks/${encodeURIComponent(id)}`,
  environment: (path: string, format: EnvironmentFormat): string =>
    `environment?path=${encodeURIComponent(path)}&format=${encodeURIComponent(format)}`,
  diff: (id: string, cells: DiffCells): string =>
    `checks/${encodeURIComponent(id)}/diff?cells=${encodeURIComponent(cells)}`,
  executed: (id: string): string => `checks/${encodeURIComponent(id)}/executed`,
  report: (id: string, format: ReportFormat): string =>
    `checks/${encodeURIComponent(id)}/report?format=${encodeURIComponent(format)}`,
  data: 'data'
};
