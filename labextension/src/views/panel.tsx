/**
 * The side panel: one widget in the right area that follows the current notebook and
 * renders its ReproModel, one component per section (this folder). Explicit states
 * (`data-state`): no notebook, no kernel, connecting, not recording, recording, error;
 * the saved record is shown in all of them.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { RecorderState } from '../model/recorder';
import { ReproModel } from '../model/reproModel';
import { CausesSection } from './causesSection';
import { CheckSection } from './checkSection';
import { DataSection } from './dataSection';
import { EnvironmentSection } from './environmentSection';
import { ExportSection } from './exportSection';
import { FixesSection } from './fixesSection';
import { Header } from './header';
import { PackagesSection } from './packagesSection';
import { IPanelActions } from './props';
import { RecorderStatus } from './recorderStatus';
import { SeedsSection } from './seedsSection';
import { SummarySection } from './summarySection';
import { WarningsSection } from './warningsSection';

export const PANEL_ID = 'jp-repro-nb-panel';

/** What the panel shows: no notebook, or the state of the notebook's recorder. */
export type PanelState = 'no-notebook' | RecorderState;

/** What the panel does that needs the shell (nbdime's tab, dialogs, downloads). */
const NO_ACTIONS: IPanelActions = {
  showDiff: () => undefined,
  downloadReport: () => undefined,
  insertSeedCell: () => undefined,
  pickKernel: () => undefined
};

export class ReproPanel extends ReactWidget {
  constructor(translator?: ITranslator, actions: IPanelActions = NO_ACTIONS) {
    super();
    this.actions = actions;
    this.id = PANEL_ID;
    this.addClass('jp-repro-nb-panel');
    this.trans = (translator ?? nullTranslator).load('repro_nb');
    this.title.caption = this.trans.__('Reproducibility');
  }

  readonly trans: TranslationBundle;
  readonly actions: IPanelActions;

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
        actions={this.actions}
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

function PanelView(props: {
  model: ReproModel | null;
  trans: TranslationBundle;
  actions: IPanelActions;
  onSelectCell: (index: number | null) => void;
}): JSX.Element {
  const { model, trans, actions, onSelectCell } = props;
  if (!model || model.isDisposed) {
    const state: PanelState = 'no-notebook';
    return (
      <div className="jp-repro-nb-body" data-state={state}>
        <Header title={trans.__('Reproducibility')} />
        <p className="jp-repro-nb-empty">
          {trans.__('Open a notebook to see what its results depend on.')}
        </p>
      </div>
    );
  }
  const summary = model.summary();
  const state: PanelState = model.recorderState;
  const labels = summary.labels;
  const sections = {
    trans,
    onSelectCell,
    labelOf: (index: number) => labels[index] ?? trans.__('cell %1', index + 1)
  };
  const hasCheck = !!model.checks.lastResult;
  return (
    <div
      className="jp-repro-nb-body"
      data-state={state}
      data-cells-recorded={summary.recordedCells}
      data-warnings={summary.warnings.length}
      data-groups={summary.groups.length}
    >
      <Header title={model.panel.context.localPath.split('/').pop() ?? model.path} />
      <SummarySection summary={summary} trans={trans} actions={actions} hasCheck={hasCheck} />
      <RecorderStatus recorder={model.recorder} trans={trans} />
      <CheckSection model={model} trans={trans} />
      <FixesSection fixes={summary.fixes} trans={trans} actions={actions} />
      {summary.drift.length > 0 && (
        <CausesSection
          groups={summary.groups}
          drift={summary.drift}
          attribution={summary.attribution}
          actions={actions}
          {...sections}
        />
      )}
      {!summary.hasRecord ? (
        <p className="jp-repro-nb-empty">{trans.__('This notebook has no repro-nb record yet.')}</p>
      ) : (
        <>
          <WarningsSection warnings={summary.warnings} {...sections} />
          <SeedsSection seeds={summary.seeds} {...sections} />
          <DataSection data={summary.data} {...sections} />
          <PackagesSection packages={summary.packages} trans={trans} />
          <EnvironmentSection rows={summary.environment} trans={trans} />
        </>
      )}
      <ExportSection path={model.panel.context.localPath} trans={trans} />
    </div>
  );
}
