/**
 * One notebook's reproducibility state: the record kept in its metadata (written from
 * the recorder's comm messages), the recorder connection and the last check.
 *
 * The record is the metadata: writing it there is what makes Save persist it and a
 * reload restore it, so the panel and the markers read nothing else.
 */
import { ICellModel } from '@jupyterlab/cells';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { IObservableList } from '@jupyterlab/observables';
import { JSONExt, ReadonlyPartialJSONValue } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { CheckRunner } from './checks';
import { sessionRecordAfter } from './protocol';
import { RecorderConnection, RecorderState } from './recorder';
import { ICellInfo, ISummary, summarize } from './summary';
import {
  ICellMessage,
  ICellRecord,
  INotebookRecord,
  INotebookResult,
  KernelMessage,
  METADATA_KEY
} from './types';

/** How long cell moves are gathered before the order is sent to the kernel, in ms. */
const POSITIONS_DEBOUNCE_MS = 150;

export class ReproModel implements IDisposable {
  constructor(readonly panel: NotebookPanel) {
    const context = panel.context;
    this.checks = new CheckRunner(context.path);
    this.checks.changed.connect(this._onCheckChanged, this);
    context.pathChanged.connect((_, path) => (this.checks.path = path), this);
    void context.ready.then(() => {
      if (this._disposed) {
        return;
      }
      this._watchCells();
      this._emit();
      void this.checks.restore();
    });
    this.recorder = new RecorderConnection(panel.sessionContext, () => this.cellIds());
    this.recorder.received.connect(this._onMessage, this);
    this.recorder.stateChanged.connect(() => this._emit(), this);
    NotebookActions.executed.connect(this._onExecuted, this);
    context.model.stateChanged.connect((_, change) => {
      if (change.name === 'dirty') {
        this._emit();
      }
    }, this);
  }

  readonly recorder: RecorderConnection;
  readonly checks: CheckRunner;

  /** Emitted when anything the panel shows may have changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted with the cell models whose marker may have changed (all: `null`). */
  get markersChanged(): ISignal<this, ICellModel[] | null> {
    return this._markersChanged;
  }

  get recorderState(): RecorderState {
    return this.recorder.state;
  }

  get dirty(): boolean {
    return this.panel.context.model.dirty;
  }

  get path(): string {
    return this.panel.context.path;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** The notebook record in metadata (`metadata.repro_nb`), or null. */
  get notebookRecord(): INotebookRecord | null {
    // getMetadata copies: the record grows with the session, and markers ask for it
    // once per cell, so it is read once per change.
    if (this._notebookRecord === undefined) {
      const value = this.panel.context.model.getMetadata(METADATA_KEY);
      this._notebookRecord = value && typeof value === 'object' ? (value as INotebookRecord) : null;
    }
    return this._notebookRecord;
  }

  /** The result of the last finished check, or null. */
  get checkResult(): INotebookResult | null {
    return this.checks.lastResult?.result ?? null;
  }

  /** Every cell with its id, position and record. */
  cellInfos(): ICellInfo[] {
    const infos: ICellInfo[] = [];
    const cells = this.panel.context.model.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      const record = cell.getMetadata(METADATA_KEY);
      infos.push({
        id: cell.id,
        index: i,
        record: record && typeof record === 'object' ? (record as ICellRecord) : null
      });
    }
    return infos;
  }

  cellIds(): string[] {
    const ids: string[] = [];
    const cells = this.panel.context.model.cells;
    for (let i = 0; i < cells.length; i++) {
      ids.push(cells.get(i).id);
    }
    return ids;
  }

  /** What the panel shows; computed once per change. */
  summary(): ISummary {
    if (!this._summary) {
      this._summary = summarize(this.notebookRecord, this.cellInfos(), this.checkResult);
    }
    return this._summary;
  }

  /** Start a check of the saved file. Never saves: a dirty notebook is checked as saved. */
  async check(): Promise<void> {
    await this.checks.start();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.clearTimeout(this._positionsTimer);
    NotebookActions.executed.disconnect(this._onExecuted, this);
    this.recorder.dispose();
    this.checks.dispose();
    Signal.clearData(this);
  }

  // ---------------------------------------------------------------- record → metadata

  private _onMessage(_: RecorderConnection, message: KernelMessage): void {
    const model = this.panel.context.model;
    if (message.type === 'hello') {
      // A (re)attached recorder sends its whole session. A fresh session that has
      // recorded nothing yet must not wipe the record a saved notebook carries.
      this._session = message.notebook ?? null;
      for (const cell of message.cells ?? []) {
        this._writeCell(cell);
      }
      if ((message.notebook?.cells_executed ?? 0) > 0) {
        this._writeNotebook(message.notebook);
      }
    } else if (message.type === 'cell') {
      const record = this._sessionRecord(message);
      model.sharedModel.transact(() => {
        this._writeCell(message.cell);
        if (record) {
          this._writeNotebook(record);
        }
      });
    }
  }

  /** The session's notebook record after a cell message (see `sessionRecordAfter`). */
  private _sessionRecord(message: ICellMessage): INotebookRecord | null {
    const record = sessionRecordAfter(this._session, message);
    if (record === null) {
      // Changes with nothing to merge them into: ask for the whole record again.
      this.recorder.requestHello();
      return null;
    }
    this._session = record;
    return record;
  }

  private _writeCell(record: ICellRecord): void {
    if (!record?.cell_id) {
      return; // no nbformat id: the frontend did not send one; nothing to attach it to
    }
    const cells = this.panel.context.model.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.id === record.cell_id) {
        const current = cell.getMetadata(METADATA_KEY);
        if (!current || !JSONExt.deepEqual(current, record as any)) {
          cell.setMetadata(METADATA_KEY, record as any);
        }
        return;
      }
    }
  }

  private _writeNotebook(record: INotebookRecord): void {
    if (!record) {
      return;
    }
    const model = this.panel.context.model;
    const current = this.notebookRecord;
    // `updated_at` changes on every message: ignore it when deciding whether anything
    // changed, so a page reload does not make an unchanged notebook dirty.
    if (current && sameExcept(current, record, 'updated_at')) {
      return;
    }
    model.setMetadata(METADATA_KEY, record as any);
  }

  // ---------------------------------------------------------------- watching the notebook

  private _watchCells(): void {
    const model = this.panel.context.model;
    this._notebookRecord = undefined; // read before the file was loaded
    model.metadataChanged.connect((_, change) => {
      if (change.key === METADATA_KEY) {
        this._notebookRecord = undefined;
        this._emit();
        // A cell's "package differs" warning compares with the session's packages:
        // re-mark every cell only when those changed.
        const packages = JSON.stringify(this.notebookRecord?.packages ?? {});
        if (packages !== this._packages) {
          this._packages = packages;
          this._markersChanged.emit(null);
        }
      }
    }, this);
    for (let i = 0; i < model.cells.length; i++) {
      this._watchCell(model.cells.get(i));
    }
    model.cells.changed.connect(this._onCellsChanged, this);
  }

  private _watchCell(cell: ICellModel): void {
    cell.metadataChanged.connect(this._onCellMetadataChanged, this);
  }

  private _onCellMetadataChanged(cell: ICellModel, change: { key: string }): void {
    if (change.key === METADATA_KEY) {
      this._emit();
      this._markersChanged.emit([cell]);
    }
  }

  private _onCellsChanged(_: unknown, change: IObservableList.IChangedArgs<ICellModel>): void {
    if (change.type === 'add' || change.type === 'set') {
      for (const cell of change.newValues) {
        this._watchCell(cell);
      }
      this._markersChanged.emit(change.newValues);
    }
    if (change.type !== 'set') {
      // positions changed: tell the recorder (out-of-order warnings use them)
      window.clearTimeout(this._positionsTimer);
      this._positionsTimer = window.setTimeout(
        () => this.recorder.sendPositions(),
        POSITIONS_DEBOUNCE_MS
      );
    }
    this._emit();
  }

  private _onExecuted(_: unknown, args: { notebook: unknown }): void {
    if (args.notebook !== this.panel.content) {
      return;
    }
    const state = this.recorder.state;
    if (state === 'not-recording' || state === 'error') {
      this.recorder.connect(); // `%load_ext repro_nb` may just have run
    }
  }

  private _onCheckChanged(): void {
    this._emit();
    this._markersChanged.emit(null);
  }

  private _emit(): void {
    this._summary = null;
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _summary: ISummary | null = null;
  private _notebookRecord: INotebookRecord | null | undefined = undefined;
  /** The kernel session's notebook record, as the recorder last sent it. */
  private _session: INotebookRecord | null = null;
  private _packages = '{}';
  private _positionsTimer = 0;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _markersChanged = new Signal<this, ICellModel[] | null>(this);
}

function sameExcept(a: object, b: object, key: string): boolean {
  const strip = (o: object) => {
    const copy = { ...(o as Record<string, unknown>) };
    delete copy[key];
    return copy as ReadonlyPartialJSONValue;
  };
  return JSONExt.deepEqual(strip(a), strip(b));
}
