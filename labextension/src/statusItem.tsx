/**
 * The status-bar item ("● recording · drifted 3"): the current notebook at a glance,
 * as jupyter-resource-usage shows memory; a click opens the panel.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';
import { statusText } from './logic/statusItem';
import { ReproModel } from './model/reproModel';

export class ReproStatusItem extends ReactWidget {
  constructor(private readonly onOpen: () => void) {
    super();
    this.addClass('jp-repro-nb-status-item');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this.node.addEventListener('click', () => this.onOpen());
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        this.onOpen();
      }
    });
  }

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

  protected render(): JSX.Element | null {
    const model = this._model;
    if (!model || model.isDisposed) {
      this.node.dataset.state = 'none';
      return null;
    }
    const summary = model.summary();
    const status = statusText(
      model.recorderState,
      model.checkResult,
      model.checks.running,
      summary.outdated.length > 0
    );
    this.node.title = status.title;
    this.node.dataset.tone = status.tone;
    this.node.dataset.state = model.recorderState;
    return (
      <span className="jp-repro-nb-status-text" data-tone={status.tone}>
        {status.text}
      </span>
    );
  }

  private _onChanged(): void {
    this.update();
  }

  private _model: ReproModel | null = null;
}
