/**
 * One notebook's reproducibility state: the record kept in its metadata (written from
 * the recorder's comm messages), the recorder connection and the last check.
 *
 * The record is the metadata (./metadata.ts): writing it there is what makes Save
 * persist it and a reload restore it, so the panel and the markers read nothing else.
 */
import { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { IObservableList } from '@jupyterlab/observables';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { cellLabel } from '../logic/cellName';
import { ICellInfo } from '../logic/cells';
import { dataQuery } from '../logic/dataFiles';
import { sessionRecordAfter } from '../logic/protocol';
import { seedCellPlan } from '../logic/quickFixes';
import { DEFAULT_SETTINGS, IReproSettings } from '../logic/settings';
import { ISummary, summarize } from '../logic/summary';
import { NotebookResult } from '../schema/check';
import { CellMessage } from '../schema/comm';
import { NotebookRecord } from '../schema/record';
import { CheckRunner } from './checkRunner';
import { LiveData } from './liveData';
import {
  METADATA_KEY,
  readCellRecord,
  readNotebookRecord,
  writeCellRecord,
  writeNotebookRecord
} from './metadata';
import { RecorderConnection, RecorderMessage, RecorderState } from './recorder';

/** How long cell moves are gathered before the order is sent to the kernel, in ms. */
const POSITIONS_DEBOUNCE_MS = 150;

export class ReproModel implements IDisposable {
  constructor(readonly panel: NotebookPanel) {
    const context = panel.context;
    this.checks = new CheckRunner(context.path);
    this.checks.changed.connect(this._onCheckChanged, this);
    context.pathChanged.connect((_, path) => (this.checks.path = path), this);
    this.liveData = new LiveData(
      () => context.localPath,
      () => dataQuery(this.notebookRecord, this.cellInfos())
    );
    this.liveData.changed.connect(() => this._emit(), this);
    void context.ready.then(() => {
      if (this._disposed) {
        return;
      }
      this._watchCells();
      this._emit();
      void this.checks.restore();
      this.liveData.refresh();
    });
    context.fileChanged.connect(() => this._emit(), this);
    context.saveState.connect((_, state) => {
      if (state !== 'completed') {
        return;
      }
      this.liveData.refresh();
      if (this.settings.checkOnSave && !this.checks.running) {
        void this.check();
      }
    }, this);
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
  /** The data files as they are on disk now. */
  readonly liveData: LiveData;
  /** The extension's settings (schema/plugin.json); the plugin keeps them current. */
  settings: IReproSettings = DEFAULT_SETTINGS;

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
  get notebookRecord(): NotebookRecord | null {
    // getMetadata copies: the record grows with the session, and markers ask for it
    // once per cell, so it is read once per change.
    if (this._notebookRecord === undefined) {
      this._notebookRecord = readNotebookRecord(this.panel.context.model);
    }
    return this._notebookRecord;
  }

  /** The result of the last finished check, or null. */
  get checkResult(): NotebookResult | null {
    return this.checks.lastResult?.result ?? null;
  }

  /** Every cell with its id, position and record. */
  cellInfos(): ICellInfo[] {
    const infos: ICellInfo[] = [];
    const cells = this.panel.context.model.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      const count = cell.type === 'code' ? ((cell as ICodeCellModel).executionCount ?? null) : null;
      const label = cellLabel(count, cell.sharedModel.getSource(), i, cell.type);
      infos.push({ id: cell.id, index: i, record: readCellRecord(cell), label });
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
      const cells = this.cellInfos();
      const model = this.panel.context.model;
      const sources: string[] = [];
      for (let i = 0; i < model.cells.length; i++) {
        sources.push(model.cells.get(i).sharedModel.getSource());
      }
      this._summary = summarize(this.notebookRecord, cells, this.checkResult, {
        live: this.liveData.states,
        checkedAt: this.checks.lastResult?.started_at ?? null,
        notebookModifiedAt: this.panel.context.contentsModel?.last_modified ?? null,
        sources
      });
    }
    return this._summary;
  }

  /**
   * Start a check of the saved file. Never saves: a dirty notebook is checked as saved.
   * `attribute`: a drift is re-checked in the restored recorded environment, proving
   * (or clearing) the environment as its cause.
   */
  async check(attribute = false): Promise<void> {
    const { timeout, rtol, atol } = this.settings;
    await this.checks.start(timeout ?? undefined, attribute, { rtol, atol });
  }

  /** The quick fix for unseeded randomness: a `%repro_seed 42` cell at the top. */
  insertSeedCell(seed?: number): number {
    const model = this.panel.context.model;
    const sources: string[] = [];
    for (let i = 0; i < model.cells.length; i++) {
      sources.push(model.cells.get(i).sharedModel.getSource());
    }
    const plan = seedCellPlan(sources, seed);
    model.sharedModel.insertCell(plan.index, { cell_type: 'code', source: plan.source });
    return plan.index;
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
    this.liveData.dispose();
    Signal.clearData(this);
  }

  // ---------------------------------------------------------------- record → metadata

  private _onMessage(_: RecorderConnection, message: RecorderMessage): void {
    const model = this.panel.context.model;
    if (message.type === 'hello') {
      // A (re)attached recorder sends its whole session. A fresh session that has
      // recorded nothing yet must not wipe the record a saved notebook carries.
      this._session = message.notebook ?? null;
      for (const cell of message.cells ?? []) {
        writeCellRecord(model, cell);
      }
      if ((message.notebook?.cells_executed ?? 0) > 0) {
        writeNotebookRecord(model, this.notebookRecord, message.notebook);
      }
    } else if (message.type === 'cell') {
      const record = this._sessionRecord(message);
      model.sharedModel.transact(() => {
        writeCellRecord(model, message.cell);
        writeNotebookRecord(model, this.notebookRecord, record);
      });
    }
  }

  /** The session's notebook record after a cell message (see `sessionRecordAfter`). */
  private _sessionRecord(message: CellMessage): NotebookRecord | null {
    const record = sessionRecordAfter(this._session, message);
    if (record === null) {
      // Changes with nothing to merge them into: ask for the whole record again.
      this.recorder.requestHello();
      return null;
    }
    this._session = record;
    return record;
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
  private _notebookRecord: NotebookRecord | null | undefined = undefined;
  /** The kernel session's notebook record, as the recorder last sent it. */
  private _session: NotebookRecord | null = null;
  private _packages = '{}';
  private _positionsTimer = 0;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _markersChanged = new Signal<this, ICellModel[] | null>(this);
}
