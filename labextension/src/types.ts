/**
 * The shapes this extension reads: the record (repro_nb/schema/record-v1.schema.json),
 * the check result (repro_nb/check.py, NotebookResult.to_json) and the REST API's
 * Check (docs/rest-api.md). Only the fields the panel uses are typed; everything is
 * optional because records come from files that other versions may have written.
 */

/** The metadata key of both the notebook record and each cell's record. */
export const METADATA_KEY = 'repro_nb';

/** The kernel-side comm target and protocol version (repro_nb/channel.py). */
export const COMM_TARGET = 'repro_nb';
export const COMM_PROTOCOL = 2;

export type WarningKind =
  | 'unseeded-rng'
  | 'data-changed'
  | 'data-missing'
  | 'pinned-data-changed'
  | 'out-of-order'
  | 'rerun'
  | 'package-changed'
  | 'recorder-error';

export interface IRecordWarning {
  kind: WarningKind | string;
  message: string;
  cell_id?: string | null;
  execution_count?: number | null;
  path?: string;
  library?: string;
  old?: string | null;
  new?: string | null;
}

export interface ISeedEvent {
  library: string;
  api: string;
  value: number | string | null;
  cell_id?: string | null;
  execution_count?: number | null;
}

export interface IUnseededRng {
  library: string;
  kind: 'global-state-advanced' | 'generator-without-seed';
  api?: string;
  cell_id?: string | null;
  execution_count?: number | null;
}

export interface IImport {
  module: string;
  distribution: string | null;
  version: string | null;
  direct?: boolean;
}

export interface IDataFile {
  path: string;
  kind?: 'file' | 'directory';
  status: 'ok' | 'missing' | 'unreadable' | 'too-large' | 'not-a-file';
  size?: number | null;
  hash?: string | null;
  pinned?: boolean;
  cell_id?: string | null;
  execution_count?: number | null;
}

/** `cells[i].metadata.repro_nb` */
export interface ICellRecord {
  schema_version: number;
  source_hash: string;
  cell_id?: string | null;
  execution_count?: number | null;
  order?: number;
  position?: number | null;
  started_at?: string;
  duration_s?: number;
  error?: { ename: string; evalue: string } | null;
  seeds?: ISeedEvent[];
  unseeded_rng?: IUnseededRng[];
  imports?: IImport[];
  reads?: IDataFile[];
  writes?: IDataFile[];
  warnings?: IRecordWarning[];
}

/** `metadata.repro_nb` */
export interface INotebookRecord {
  schema_version: number;
  recorder: { version: string; channel?: string; hash_algorithm?: string };
  started_at?: string;
  updated_at?: string;
  environment?: {
    python?: Record<string, unknown>;
    platform?: Record<string, unknown>;
    cpu?: Record<string, unknown>;
    gpus?: unknown[];
    blas?: unknown[];
    env?: Record<string, string>;
  };
  packages?: Record<string, string | null>;
  seeds?: ISeedEvent[];
  unseeded_rng?: IUnseededRng[];
  data?: IDataFile[];
  warnings?: IRecordWarning[];
  cells_executed?: number;
  /** Not in schema v1: shown only if a later version writes it. */
  verdict?: string;
  rating?: unknown;
}

/** Kernel → frontend comm messages. */
export interface IHelloMessage {
  type: 'hello';
  protocol: number;
  notebook: INotebookRecord;
  cells: ICellRecord[];
}

export interface ICellMessage {
  type: 'cell';
  cell: ICellRecord;
  /** The whole notebook record: from a kernel that speaks protocol 1. */
  notebook?: INotebookRecord;
  /**
   * Protocol 2: the notebook record's top-level fields that changed since the
   * previous cell message, each whole, to merge into the record of the last hello.
   */
  notebook_changes?: Partial<INotebookRecord>;
}

export type KernelMessage = IHelloMessage | ICellMessage;

// ------------------------------------------------------------------ check results

export interface IOutputDiff {
  kind: string;
  output_index: number | null;
  mime: string | null;
  expected?: string | null;
  actual?: string | null;
  unified_diff?: string[];
  max_abs_diff?: number | string | null;
  max_rel_diff?: number | string | null;
  pixel_fraction?: number | string | null;
  numbers_changed?: [string, string][];
  traceback?: string[];
  note?: string | null;
}

export interface ICause {
  kind: string;
  message: string;
  confidence: 'high' | 'medium' | 'low';
  origin_index: number | null;
  details?: Record<string, unknown>;
}

export type CellVerdict =
  | 'reproduced'
  | 'drifted'
  | 'failed'
  | 'not-run'
  | 'skipped'
  | 'not-stored'
  | 'added'
  | 'removed';

export interface ICellResult {
  index: number | null;
  actual_index: number | null;
  cell_id: string | null;
  status: CellVerdict;
  execution_count: number | null;
  diffs: IOutputDiff[];
  causes: ICause[];
  failure: { ename?: string; evalue?: string; kind?: string } | null;
  skip_reason: string | null;
}

export interface IDataDrift {
  path: string;
  status: 'changed' | 'missing' | 'unrecorded';
  old_hash: string | null;
  new_hash: string | null;
  read_by: number[];
}

export interface IPackageDrift {
  distribution: string;
  old: string | null;
  new: string | null;
  imported_by: number[];
}

export interface INotebookResult {
  path: string;
  verdict: 'reproduced' | 'drifted' | 'failed' | 'error';
  message: string;
  has_record: boolean;
  run_status: string | null;
  duration_s: number;
  cells: ICellResult[];
  data: IDataDrift[];
  packages: IPackageDrift[];
  environment: { field: string; old: unknown; new: unknown; severity: string }[];
  warnings: string[];
  /** Not produced yet: shown only once the check reports it. */
  rating?: unknown;
}

export type CheckState = 'running' | 'done' | 'failed' | 'cancelled';

/** A check as the server extension reports it (docs/rest-api.md). */
export interface ICheck {
  id: string;
  path: string;
  state: CheckState;
  started_at: string;
  finished_at: string | null;
  progress: { cell: number; total: number } | null;
  result: INotebookResult | null;
  error: string | null;
}
