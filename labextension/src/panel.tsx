/**
 * The side panel: one widget in the right area that follows the current notebook and
 * renders its ReproModel. Explicit states: no notebook, no kernel, connecting, not
 * recording, recording, error; the saved record is shown in all of them.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { ReproModel } from './model';
import { IDataItem, IDriftItem, ISummary, IWarningItem, shortHash } from './summary';
import { ICheck, IOutputDiff } from './types';

export const PANEL_ID = 'jp-repro-nb-panel';

export class ReproPanel extends ReactWidget {
  constructor(translator?: ITranslator) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-repro-nb-panel');
    this.trans = (translator ?? nullTranslator).load('repro_nb');
    this.title.caption = this.trans.__('Reproducibility');
  }

  readonly trans: TranslationBundle;

  /** The model of the notebook shown (the current one), or null. */
  get model(): ReproModel | null {
    return this._model;
  }

  set model(model: ReproModel | null) {
    if (model === this._model) {
      return;
    }
    this._model?.changed.disconnect(this._onChanged, this);
    this._model = model;
    model?.changed.connect(this._onChanged, this);
    this.update();
  }

  /** Scroll to a cell and select it. */
  async selectCell(index: number | null): Promise<void> {
    const panel = this._model?.panel;
    if (!panel || index === null || index < 0 || index >= panel.content.widgets.length) {
      return;
    }
    const notebook = panel.content;
    notebook.deselectAll();
    notebook.activeCellIndex = index;
    notebook.mode = 'command';
    await notebook.scrollToItem(index, 'center');
    notebook.activeCell?.node.focus();
  }

  protected render(): JSX.Element {
    return (
      <PanelView
        model={this._model}
        trans={this.trans}
        onSelectCell={index => void this.selectCell(index)}
      />
    );
  }

  private _onChanged(): void {
    // Lumino conflates update requests: many records arriving at once render once.
    this.update();
  }

  private _model: ReproModel | null = null;
}

interface IViewProps {
  model: ReproModel | null;
  trans: TranslationBundle;
  onSelectCell: (index: number | null) => void;
}

function PanelView({ model, trans, onSelectCell }: IViewProps): JSX.Element {
  if (!model || model.isDisposed) {
    return (
      <div className="jp-repro-nb-body" data-state="no-notebook">
        <Header title={trans.__('Reproducibility')} />
        <p className="jp-repro-nb-empty">
          {trans.__('Open a notebook to see what its results depend on.')}
        </p>
      </div>
    );
  }
  const summary = model.summary();
  const state = model.recorderState;
  return (
    <div
      className="jp-repro-nb-body"
      data-state={state}
      data-cells-recorded={summary.recordedCells}
      data-warnings={summary.warnings.length}
    >
      <Header
        title={model.panel.context.localPath.split('/').pop() ?? model.path}
        summary={summary}
        trans={trans}
      />
      <RecorderStatus model={model} trans={trans} />
      <CheckSection model={model} trans={trans} />
      {summary.drift.length > 0 && (
        <Section title={trans.__('Drift')} count={summary.drift.length} name="drift">
          {summary.drift.map((d, i) => (
            <DriftView key={i} drift={d} trans={trans} onSelectCell={onSelectCell} />
          ))}
        </Section>
      )}
      {!summary.hasRecord ? (
        <p className="jp-repro-nb-empty">
          {trans.__('This notebook has no repro-nb record yet.')}
        </p>
      ) : (
        <>
          <Section title={trans.__('Warnings')} count={summary.warnings.length} name="warnings">
            {summary.warnings.length === 0 ? (
              <p className="jp-repro-nb-none">{trans.__('No warnings.')}</p>
            ) : (
              <ul className="jp-repro-nb-list">
                {summary.warnings.map((w, i) => (
                  <WarningView key={i} warning={w} trans={trans} onSelectCell={onSelectCell} />
                ))}
              </ul>
            )}
          </Section>
          <Section title={trans.__('Seeds')} count={summary.seeds.length} name="seeds">
            {summary.seeds.length === 0 ? (
              <p className="jp-repro-nb-none">{trans.__('No seed set.')}</p>
            ) : (
              <ul className="jp-repro-nb-list">
                {summary.seeds.map((s, i) => (
                  <li key={i} className="jp-repro-nb-item">
                    <code>{s.api}</code> = <code>{String(s.value)}</code>
                    <CellLink index={s.cellIndex} trans={trans} onSelectCell={onSelectCell} />
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title={trans.__('Data files')} count={summary.data.length} name="data">
            {summary.data.length === 0 ? (
              <p className="jp-repro-nb-none">{trans.__('No data file read or written.')}</p>
            ) : (
              <ul className="jp-repro-nb-list">
                {summary.data.map((d, i) => (
                  <DataView key={i} data={d} trans={trans} onSelectCell={onSelectCell} />
                ))}
              </ul>
            )}
          </Section>
          <Section title={trans.__('Packages')} count={summary.packages.length} name="packages" collapsed={summary.packages.length > 12}>
            <table className="jp-repro-nb-table">
              <tbody>
                {summary.packages.map(p => (
                  <tr key={p.name} className={p.differs ? 'jp-repro-nb-differs' : ''}>
                    <td>{p.name}</td>
                    <td>
                      {p.version ?? '—'}
                      {p.differs && ` → ${p.checkedVersion ?? trans.__('not installed')}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title={trans.__('Environment')} name="environment" collapsed>
            <table className="jp-repro-nb-table">
              <tbody>
                {summary.environment.map(([k, v]) => (
                  <tr key={k}>
                    <td>{k}</td>
                    <td>{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      )}
    </div>
  );
}

function Header(props: { title: string; summary?: ISummary; trans?: TranslationBundle }): JSX.Element {
  const { summary, trans } = props;
  return (
    <div className="jp-repro-nb-header">
      <h2 className="jp-repro-nb-title" title={props.title}>
        {props.title}
      </h2>
      {summary?.verdict && trans && (
        <div className={`jp-repro-nb-verdict jp-repro-nb-verdict-${summary.verdict}`}>
          <span className="jp-repro-nb-verdict-label">{verdictLabel(summary.verdict, trans)}</span>
          {summary.verdictMessage && (
            <span className="jp-repro-nb-verdict-message">{summary.verdictMessage}</span>
          )}
        </div>
      )}
      {summary && <Rating rating={summary.rating} />}
    </div>
  );
}

/** The five-star rating, only if the data has one: it is never made up here. */
function Rating({ rating }: { rating: unknown }): JSX.Element | null {
  let stars: number | null = null;
  if (typeof rating === 'number') {
    stars = rating;
  } else if (rating && typeof rating === 'object' && typeof (rating as any).stars === 'number') {
    stars = (rating as any).stars;
  }
  if (stars === null) {
    return null;
  }
  const n = Math.max(0, Math.min(5, Math.round(stars)));
  return (
    <div className="jp-repro-nb-rating" title={`${n} / 5`}>
      {'★'.repeat(n)}
      {'☆'.repeat(5 - n)}
    </div>
  );
}

function verdictLabel(verdict: string, trans: TranslationBundle): string {
  switch (verdict) {
    case 'reproduced':
      return trans.__('Reproduced');
    case 'drifted':
      return trans.__('Drifted');
    case 'failed':
      return trans.__('Failed');
    case 'error':
      return trans.__('Could not check');
    default:
      return verdict;
  }
}

function RecorderStatus({ model, trans }: { model: ReproModel; trans: TranslationBundle }): JSX.Element {
  const state = model.recorderState;
  let text: React.ReactNode;
  switch (state) {
    case 'recording':
      text = trans.__('Recording: each executed cell is added to the record.');
      break;
    case 'connecting':
      text = trans.__('Connecting to the kernel…');
      break;
    case 'not-recording':
      text = (
        <>
          {trans.__('Not recording: run')} <code>%load_ext repro_nb</code>{' '}
          {trans.__('to start recording.')}
        </>
      );
      break;
    case 'no-kernel':
      text = trans.__('No kernel: start one, then run %load_ext repro_nb to record.');
      break;
    case 'error':
      text = `${trans.__('The recorder could not be reached:')} ${model.recorder.error ?? ''}`;
      break;
  }
  return (
    <div className={`jp-repro-nb-status jp-repro-nb-status-${state}`} data-state={state}>
      <span className="jp-repro-nb-dot" />
      <span>{text}</span>
    </div>
  );
}

function CheckSection({ model, trans }: { model: ReproModel; trans: TranslationBundle }): JSX.Element {
  const runner = model.checks;
  const check: ICheck | null = runner.check;
  const running = runner.running;
  return (
    <div className="jp-repro-nb-check" data-check-state={running ? 'running' : check?.state ?? 'none'}>
      <div className="jp-repro-nb-check-row">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept jp-repro-nb-check-button"
          disabled={running}
          onClick={() => void model.check()}
          title={trans.__('Re-run the saved notebook in a fresh kernel and compare its outputs')}
        >
          {trans.__('Check reproducibility')}
        </button>
        {running && check && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn jp-repro-nb-cancel-button"
            onClick={() => void runner.cancel()}
          >
            {trans.__('Cancel')}
          </button>
        )}
      </div>
      {model.dirty && !running && (
        <p className="jp-repro-nb-note jp-repro-nb-dirty-note">
          {trans.__('Unsaved changes: the check runs the saved version of the notebook.')}
        </p>
      )}
      {running && (
        <div className="jp-repro-nb-progress">
          {check?.progress ? (
            <>
              <progress max={check.progress.total} value={check.progress.cell} />
              <span>
                {trans.__('Running cell %1 of %2…', check.progress.cell + 1, check.progress.total)}
              </span>
            </>
          ) : (
            <span>{trans.__('Starting a fresh kernel…')}</span>
          )}
        </div>
      )}
      {!running && check?.state === 'cancelled' && (
        <p className="jp-repro-nb-note">{trans.__('The check was cancelled.')}</p>
      )}
      {!running && check?.state === 'failed' && (
        <p className="jp-repro-nb-error">
          {trans.__('The check could not run:')} {check.error}
        </p>
      )}
      {runner.error && (
        <p className="jp-repro-nb-error" onClick={() => runner.dismissError()}>
          {runner.error}
        </p>
      )}
    </div>
  );
}

function Section(props: {
  title: string;
  name: string;
  count?: number;
  collapsed?: boolean;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <details className={`jp-repro-nb-section jp-repro-nb-section-${props.name}`} open={!props.collapsed}>
      <summary>
        {props.title}
        {props.count !== undefined && <span className="jp-repro-nb-count">{props.count}</span>}
      </summary>
      {props.children}
    </details>
  );
}

function CellLink(props: {
  index: number | null;
  trans: TranslationBundle;
  onSelectCell: (index: number | null) => void;
}): JSX.Element | null {
  if (props.index === null || props.index === undefined) {
    return null;
  }
  return (
    <button
      className="jp-repro-nb-cell-link"
      data-cell-index={props.index}
      onClick={() => props.onSelectCell(props.index)}
      title={props.trans.__('Scroll to the cell and select it')}
    >
      {props.trans.__('cell %1', props.index + 1)}
    </button>
  );
}

const KIND_LABELS: Record<string, string> = {
  'unseeded-rng': 'randomness',
  'data-changed': 'data changed',
  'pinned-data-changed': 'data changed',
  'data-missing': 'data missing',
  'out-of-order': 'out of order',
  rerun: 're-run',
  'package-changed': 'package',
  'recorder-error': 'recorder'
};

/** How many cell links a grouped warning shows before "+N more". */
const MAX_CELL_LINKS = 6;

function WarningView(props: {
  warning: IWarningItem;
  trans: TranslationBundle;
  onSelectCell: (index: number | null) => void;
}): JSX.Element {
  const { warning, trans } = props;
  const shown = warning.cells.slice(0, MAX_CELL_LINKS);
  const more = warning.cells.length - shown.length;
  return (
    <li
      className="jp-repro-nb-item jp-repro-nb-warning-item"
      data-kind={warning.kind}
      data-cells={warning.cells.length}
    >
      <span className={`jp-repro-nb-badge jp-repro-nb-kind-${warning.kind}`}>
        {trans.__(KIND_LABELS[warning.kind] ?? warning.kind)}
      </span>
      <span className="jp-repro-nb-message">{warning.message}</span>
      {shown.length > 0 && (
        <span className="jp-repro-nb-cell-links">
          {shown.map(c => (
            <CellLink key={c.id} index={c.index} trans={trans} onSelectCell={props.onSelectCell} />
          ))}
          {more > 0 && (
            <span className="jp-repro-nb-muted">{trans.__('+%1 more', more)}</span>
          )}
        </span>
      )}
    </li>
  );
}

function DataView(props: {
  data: IDataItem;
  trans: TranslationBundle;
  onSelectCell: (index: number | null) => void;
}): JSX.Element {
  const { data, trans } = props;
  return (
    <li className="jp-repro-nb-item jp-repro-nb-data-item" data-state={data.state} data-path={data.path}>
      <span className={`jp-repro-nb-badge jp-repro-nb-data-${data.state}`}>{trans.__(data.state)}</span>
      <code className="jp-repro-nb-path" title={data.path}>
        {data.path}
      </code>
      {data.written && <span className="jp-repro-nb-muted">{trans.__('written')}</span>}
      <span className="jp-repro-nb-hash" title={data.hash ?? ''}>
        {shortHash(data.hash) ?? '—'}
        {data.newHash && ` → ${shortHash(data.newHash)}`}
      </span>
      <CellLink index={data.cellIndex} trans={trans} onSelectCell={props.onSelectCell} />
    </li>
  );
}

function DriftView(props: {
  drift: IDriftItem;
  trans: TranslationBundle;
  onSelectCell: (index: number | null) => void;
}): JSX.Element {
  const { drift, trans } = props;
  return (
    <div className="jp-repro-nb-drift-item" data-status={drift.status} data-cell-id={drift.cellId ?? ''}>
      <div className="jp-repro-nb-drift-head">
        <span className={`jp-repro-nb-badge jp-repro-nb-status-${drift.status}`}>
          {drift.status === 'failed' ? trans.__('failed') : trans.__('drifted')}
        </span>
        <CellLink index={drift.cellIndex} trans={trans} onSelectCell={props.onSelectCell} />
        {drift.executionCount !== null && (
          <span className="jp-repro-nb-muted">[{drift.executionCount}]</span>
        )}
      </div>
      {drift.failure && (
        <p className="jp-repro-nb-error">
          {[drift.failure.ename, drift.failure.evalue].filter(Boolean).join(': ') || drift.failure.kind}
        </p>
      )}
      {drift.causes.length > 0 && (
        <ul className="jp-repro-nb-causes">
          {drift.causes.map((c, i) => (
            <li key={i} className="jp-repro-nb-cause" data-kind={c.kind}>
              <span className={`jp-repro-nb-confidence jp-repro-nb-confidence-${c.confidence}`}>
                {trans.__(c.confidence)}
              </span>
              <span className="jp-repro-nb-message">{c.message}</span>
              {c.origin_index !== null && c.origin_index !== drift.cellIndex && (
                <CellLink index={c.origin_index} trans={trans} onSelectCell={props.onSelectCell} />
              )}
            </li>
          ))}
        </ul>
      )}
      {drift.diffs.map((d, i) => (
        <DiffView key={i} diff={d} trans={trans} />
      ))}
    </div>
  );
}

const MAX_DIFF_LINES = 40;

function DiffView({ diff, trans }: { diff: IOutputDiff; trans: TranslationBundle }): JSX.Element {
  const lines = diff.unified_diff ?? [];
  const numbers = diff.numbers_changed ?? [];
  const fraction = typeof diff.pixel_fraction === 'number' ? diff.pixel_fraction : null;
  return (
    <div className="jp-repro-nb-diff" data-kind={diff.kind}>
      <div className="jp-repro-nb-diff-head">
        {diff.kind}
        {diff.mime && <code>{diff.mime}</code>}
        {diff.output_index !== null && (
          <span className="jp-repro-nb-muted">{trans.__('output %1', diff.output_index + 1)}</span>
        )}
      </div>
      {numbers.length > 0 && (
        <table className="jp-repro-nb-table jp-repro-nb-numbers">
          <tbody>
            {numbers.slice(0, 12).map(([a, b], i) => (
              <tr key={i}>
                <td className="jp-repro-nb-old">{a}</td>
                <td>→</td>
                <td className="jp-repro-nb-new">{b}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {fraction !== null && (
        <p className="jp-repro-nb-note">
          {trans.__('%1% of the pixels differ', (fraction * 100).toPrecision(3))}
        </p>
      )}
      {typeof diff.max_abs_diff === 'number' && numbers.length === 0 && (
        <p className="jp-repro-nb-note">
          {trans.__('largest difference %1', diff.max_abs_diff.toPrecision(4))}
        </p>
      )}
      {diff.note && <p className="jp-repro-nb-note">{diff.note}</p>}
      {lines.length > 0 && (
        <pre className="jp-repro-nb-unified">
          {lines.slice(0, MAX_DIFF_LINES).map((line, i) => (
            <div key={i} className={diffLineClass(line)}>
              {line.replace(/\n$/, '')}
            </div>
          ))}
          {lines.length > MAX_DIFF_LINES && (
            <div className="jp-repro-nb-muted">
              {trans.__('… %1 more lines', lines.length - MAX_DIFF_LINES)}
            </div>
          )}
        </pre>
      )}
      {lines.length === 0 && numbers.length === 0 && fraction === null && (diff.expected || diff.actual) && (
        <pre className="jp-repro-nb-unified">
          <div className="jp-repro-nb-del">- {diff.expected}</div>
          <div className="jp-repro-nb-add">+ {diff.actual}</div>
        </pre>
      )}
    </div>
  );
}

function diffLineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) {
    return 'jp-repro-nb-meta';
  }
  if (line.startsWith('@@')) {
    return 'jp-repro-nb-hunk';
  }
  if (line.startsWith('+')) {
    return 'jp-repro-nb-add';
  }
  if (line.startsWith('-')) {
    return 'jp-repro-nb-del';
  }
  return '';
}
