/**
 * "Show diff": the stored notebook against its re-run in a main-area tab, drawn by
 * nbdime's own widgets (`NotebookDiffModel` + `NotebookDiffWidget` of the `nbdime` npm
 * package), as nbdime-jupyterlab shows a git diff.
 *
 * The server hands over what nbdime's `/nbdime/api/diff` would answer (`base`, `diff`)
 * for the pair the checker prepared: only the drifted cells (or all), our masks applied
 * to both sides, cells our comparator judged reproduced made equal — so what nbdime
 * highlights is the drift the check found. Over each cell diff a line names the cell as
 * the panel does (`[3] df = pd.read_csv(…` · drifted).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { CodeEditor } from '@jupyterlab/codeeditor';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';
import type { IDiffEntry } from 'nbdime/lib/diff/diffentries';
import { NotebookDiffModel } from 'nbdime/lib/diff/model';
import { NotebookDiffWidget } from 'nbdime/lib/diff/widget';
import { reproIcon } from '../icon';
import { requestAPI } from '../model/request';
import { DiffCells, endpoints, IDiffCell, IDiffView } from '../model/restApi';

export interface IDiffTabOptions {
  /** The check whose re-run is shown. */
  checkId: string;
  /** The notebook (Contents-API path). */
  path: string;
  /** When the check ran (shown in the header). */
  checkedAt: string | null;
  mode?: DiffCells;
  /** Scroll to this cell (stored 0-based index) once drawn. */
  focus?: number | null;
  rendermime: IRenderMimeRegistry;
  editorFactory?: CodeEditor.Factory;
  translator?: ITranslator;
}

/** The tab's content: a header with the cell filter, and nbdime's diff below it. */
export class DiffContent extends Panel {
  constructor(private readonly options: IDiffTabOptions) {
    super();
    this.addClass('jp-repro-nb-diff-tab');
    this.trans = (options.translator ?? nullTranslator).load('repro_nb');
    this._mode = options.mode ?? 'drifted';
    this._focus = options.focus ?? null;
    this._checkId = options.checkId;
    this._checkedAt = options.checkedAt;
    this.header = new Widget({ node: this._headerNode() });
    this.header.addClass('jp-repro-nb-diff-header');
    this.scroller = new Panel();
    this.scroller.addClass('nbdime-root');
    this.scroller.addClass('jp-repro-nb-diff-scroller');
    this.scroller.node.tabIndex = -1;
    this.addWidget(this.header);
    this.addWidget(this.scroller);
  }

  readonly trans: TranslationBundle;
  readonly header: Widget;
  readonly scroller: Panel;

  get path(): string {
    return this.options.path;
  }

  get checkId(): string {
    return this._checkId;
  }

  get mode(): DiffCells {
    return this._mode;
  }

  /** The state of the tab, for tests and the status: loading, ready, empty, error. */
  get state(): string {
    return this.node.dataset.state ?? 'loading';
  }

  /** Show another check, cell filter or cell; reloads only what changed. */
  async showDiff(update: {
    checkId?: string;
    checkedAt?: string | null;
    mode?: DiffCells;
    focus?: number | null;
  }): Promise<void> {
    const reload =
      (update.checkId !== undefined && update.checkId !== this._checkId) ||
      (update.mode !== undefined && update.mode !== this._mode) ||
      this.state === 'error';
    this._checkId = update.checkId ?? this._checkId;
    this._checkedAt = update.checkedAt !== undefined ? update.checkedAt : this._checkedAt;
    this._mode = update.mode ?? this._mode;
    this._focus = update.focus !== undefined ? update.focus : this._focus;
    this._syncHeader();
    if (reload || !this._loaded) {
      await this.load();
    } else {
      this._scrollToFocus();
    }
  }

  /** Fetch the view of the current check and cell filter, and draw it with nbdime. */
  async load(): Promise<void> {
    this._loaded = true;
    const ticket = ++this._ticket;
    this._setState('loading');
    for (const child of [...this.scroller.widgets]) {
      child.dispose();
    }
    let view: IDiffView;
    try {
      view = await requestAPI<IDiffView>(endpoints.diff(this._checkId, this._mode));
    } catch (error) {
      if (ticket === this._ticket && !this.isDisposed) {
        this._message(
          `${this.trans.__('The diff could not be loaded:')} ${error instanceof Error ? error.message : String(error)}`
        );
        this._setState('error');
      }
      return;
    }
    if (ticket !== this._ticket || this.isDisposed) {
      return;
    }
    this._view = view;
    this._syncHeader();
    if (view.cells.length === 0) {
      this._message(this.trans.__('No cell drifted in this check.'));
      this._setState('empty');
      return;
    }
    const model = new NotebookDiffModel(view.base, view.diff as IDiffEntry[]);
    const widget = new NotebookDiffWidget({
      model,
      rendermime: this.options.rendermime,
      editorFactory: this.options.editorFactory,
      translator: this.options.translator
    });
    this.scroller.addWidget(widget);
    await widget.init();
    if (ticket !== this._ticket || this.isDisposed) {
      return;
    }
    this._labelCells(view.cells);
    this._setState('ready');
    this._scrollToFocus();
  }

  private _labelCells(cells: IDiffCell[]): void {
    // nbdime draws one .jp-Cell-diff per cell of the base (and per added cell), in order
    const stored = cells.filter(c => c.index !== null);
    const nodes = [...this.scroller.node.querySelectorAll<HTMLElement>('.jp-Cell-diff')];
    let next = 0;
    for (const node of nodes) {
      if (node.classList.contains('jp-Diff-added')) {
        continue;
      }
      const cell = stored[next++];
      if (!cell) {
        break;
      }
      node.dataset.cellIndex = String(cell.index);
      node.dataset.status = cell.status;
      const label = document.createElement('div');
      label.className = 'jp-repro-nb-diff-cell-label';
      label.dataset.status = cell.status;
      const name = document.createElement('span');
      name.className = 'jp-repro-nb-diff-cell-name';
      name.textContent = cell.label;
      const status = document.createElement('span');
      status.className = `jp-repro-nb-badge jp-repro-nb-status-${cell.status}`;
      status.textContent = this.trans.__(cell.status);
      label.append(name, status);
      node.parentElement?.insertBefore(label, node);
    }
  }

  private _scrollToFocus(): void {
    const index = this._focus;
    for (const node of this.scroller.node.querySelectorAll<HTMLElement>('.jp-Cell-diff')) {
      const focused = index !== null && node.dataset.cellIndex === String(index);
      node.classList.toggle('jp-repro-nb-diff-focus', focused);
      if (focused) {
        (node.previousElementSibling ?? node).scrollIntoView({ block: 'start' });
      }
    }
  }

  private _headerNode(): HTMLElement {
    const node = document.createElement('div');
    const title = document.createElement('div');
    title.className = 'jp-repro-nb-diff-title';
    const filter = document.createElement('label');
    filter.className = 'jp-repro-nb-diff-filter';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.className = 'jp-repro-nb-diff-only-drifted';
    box.checked = this._mode === 'drifted';
    box.onchange = () => void this.showDiff({ mode: box.checked ? 'drifted' : 'all' });
    filter.append(box, document.createTextNode(` ${this.trans.__('Only the cells that drifted')}`));
    const banner = document.createElement('div');
    banner.className = 'nbdime-header-banner jp-repro-nb-diff-banner';
    const base = document.createElement('span');
    base.className = 'nbdime-header-base';
    base.textContent = this.trans.__('stored notebook');
    const remote = document.createElement('span');
    remote.className = 'nbdime-header-remote';
    remote.textContent = this.trans.__('re-run in a fresh kernel');
    banner.append(base, remote);
    node.append(title, filter, banner);
    return node;
  }

  private _syncHeader(): void {
    const title = this.header.node.querySelector('.jp-repro-nb-diff-title');
    if (title) {
      const when = this._checkedAt ? new Date(this._checkedAt).toLocaleString() : '';
      const masks = this._view?.masks?.length
        ? this.trans.__('%1 masks applied to both sides', this._view.masks.length)
        : this.trans.__('masks applied to both sides');
      title.textContent = [this.options.path, when && this.trans.__('checked %1', when), masks]
        .filter(Boolean)
        .join(' · ');
    }
    const box = this.header.node.querySelector<HTMLInputElement>('.jp-repro-nb-diff-only-drifted');
    if (box) {
      box.checked = this._mode === 'drifted';
    }
  }

  private _message(text: string): void {
    const widget = new Widget();
    widget.addClass('jp-repro-nb-diff-message');
    widget.node.textContent = text;
    this.scroller.addWidget(widget);
  }

  private _setState(state: string): void {
    this.node.dataset.state = state;
    this.node.dataset.mode = this._mode;
  }

  private _mode: DiffCells;
  private _focus: number | null;
  private _checkId: string;
  private _checkedAt: string | null;
  private _view: IDiffView | null = null;
  private _loaded = false;
  private _ticket = 0;
}

/** The main-area tab: nbdime's diff of one notebook's last check. */
export class DiffTab extends MainAreaWidget<DiffContent> {
  constructor(options: IDiffTabOptions) {
    const content = new DiffContent(options);
    super({ content });
    this.id = `repro-nb-diff-${encodeURIComponent(options.path)}`;
    this.addClass('jp-repro-nb-diff-widget');
    this.title.label = `${options.path.split('/').pop() ?? options.path} ≠ re-run`;
    this.title.caption = content.trans.__('Stored notebook against its re-run (nbdime)');
    this.title.icon = reproIcon;
    this.title.closable = true;
  }
}
