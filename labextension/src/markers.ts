/**
 * Markers on the cells themselves: a CSS class and an icon whose tooltip lists the
 * cell's warnings (`jp-repro-nb-warning`) or its drift after a check
 * (`jp-repro-nb-drift`).
 *
 * JupyterLab renders long notebooks windowed: cell widgets are created lazily and
 * their nodes detached while out of view. Markers live on the cell widget's node and
 * are (re)applied whenever a cell widget appears (cells added, a cell entering the
 * viewport) and whenever its record or the check result changes; applying is
 * idempotent and cheap, so doing it often costs nothing.
 */
import { Cell, ICellModel } from '@jupyterlab/cells';
import { Notebook } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { driftByCell, driftFor } from './logic/drift';
import { markerMessages } from './logic/markers';
import { cellWarnings } from './logic/warnings';
import { readCellRecord } from './model/metadata';
import { ReproModel } from './model/reproModel';

export const WARNING_CLASS = 'jp-repro-nb-warning';
export const DRIFT_CLASS = 'jp-repro-nb-drift';
export const MARKED_CLASS = 'jp-repro-nb-marked';
export const MARKER_ICON_CLASS = 'jp-repro-nb-marker';

export class CellMarkers implements IDisposable {
  constructor(private readonly model: ReproModel) {
    this.notebook = model.panel.content;
    model.markersChanged.connect(this._onMarkersChanged, this);
    this.notebook.cellInViewportChanged.connect(this._onCellInViewport, this);
    void model.panel.context.ready.then(() => this.applyAll());
  }

  readonly notebook: Notebook;

  /** The `markers` setting: off, no cell carries a marker. */
  get enabled(): boolean {
    return this._enabled;
  }

  set enabled(value: boolean) {
    if (value !== this._enabled) {
      this._enabled = value;
      this.applyAll();
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Mark every cell widget that exists. */
  applyAll(): void {
    if (this._disposed) {
      return;
    }
    this._drift = driftByCell(this.model.checkResult);
    this._driftKey = this.model.checks.lastResult?.id ?? null;
    const widgets = this.notebook.widgets;
    for (let i = 0; i < widgets.length; i++) {
      this._apply(widgets[i], i);
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.model.markersChanged.disconnect(this._onMarkersChanged, this);
    this.notebook.cellInViewportChanged.disconnect(this._onCellInViewport, this);
  }

  private _onMarkersChanged(_: ReproModel, cells: ICellModel[] | null): void {
    if (cells === null || (this.model.checks.lastResult?.id ?? null) !== this._driftKey) {
      this.applyAll();
      return;
    }
    // Cell widgets are created in the notebook's own handler of the same change,
    // which may run after ours: apply once the current call stack is done too.
    let missing = false;
    for (const cell of cells) {
      missing = !this._applyModel(cell) || missing;
    }
    if (missing && !this._pending) {
      this._pending = true;
      requestAnimationFrame(() => {
        this._pending = false;
        this.applyAll();
      });
    }
  }

  private _onCellInViewport(_: Notebook, cell: Cell): void {
    const index = this.notebook.widgets.indexOf(cell);
    this._apply(cell, index);
  }

  /** Mark the widget of `cellModel`; false when it has no widget (yet). */
  private _applyModel(cellModel: ICellModel): boolean {
    const widgets = this.notebook.widgets;
    for (let i = 0; i < widgets.length; i++) {
      if (widgets[i].model === cellModel) {
        this._apply(widgets[i], i);
        return true;
      }
    }
    return false;
  }

  private _apply(cell: Cell, index: number): void {
    if (cell.isDisposed || !cell.model) {
      return;
    }
    const messages = this._enabled
      ? markerMessages(
          cellWarnings(readCellRecord(cell.model), this.model.notebookRecord),
          driftFor(this._drift, cell.model.id, index)
        )
      : { warning: [], drift: [] };
    const node = cell.node;
    node.classList.toggle(WARNING_CLASS, messages.warning.length > 0);
    node.classList.toggle(DRIFT_CLASS, messages.drift.length > 0);
    const marked = messages.warning.length > 0 || messages.drift.length > 0;
    node.classList.toggle(MARKED_CLASS, marked);
    let icon = node.querySelector<HTMLElement>(`:scope > .${MARKER_ICON_CLASS}`);
    if (!marked) {
      icon?.remove();
      return;
    }
    const title = [...messages.drift, ...messages.warning.map(m => `⚠ ${m}`)].join('\n');
    if (!icon) {
      icon = document.createElement('div');
      icon.className = MARKER_ICON_CLASS;
      icon.setAttribute('role', 'img');
      node.appendChild(icon);
    }
    const kind = messages.drift.length > 0 ? 'drift' : 'warning';
    if (icon.dataset.kind !== kind) {
      icon.dataset.kind = kind;
      icon.textContent = kind === 'drift' ? '≠' : '!';
    }
    if (icon.title !== title) {
      icon.title = title;
      icon.setAttribute('aria-label', title);
    }
  }

  private _drift = driftByCell(null);
  private _driftKey: string | null = null;
  private _pending = false;
  private _enabled = true;
  private _disposed = false;
}
