import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { ReproModel } from '../model/reproModel';

/** The check button, the running check's progress and cancel button, and how it ended. */
export function CheckSection(props: { model: ReproModel; trans: TranslationBundle }): JSX.Element {
  const { model, trans } = props;
  const runner = model.checks;
  const check = runner.check;
  const running = runner.running;
  return (
    <div
      className="jp-repro-nb-check"
      data-check-state={running ? 'running' : (check?.state ?? 'none')}
    >
      <div className="jp-repro-nb-check-row">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept jp-repro-nb-check-button"
          disabled={running}
          onClick={() => void model.check()}
          title={trans.__('Re-run the saved notebook in a fresh kernel and compare its outputs')}
        >
          {trans.__('Check reproducibility')}
        </button>
        {!running &&
          (model.checkResult?.verdict === 'drifted' || model.checkResult?.verdict === 'failed') && (
            <button
              className="jp-Button jp-mod-styled jp-repro-nb-attribute-button"
              onClick={() => void model.check(true)}
              title={trans.__(
                'Check again, then re-check in the restored recorded environment and name the packages responsible'
              )}
            >
              {trans.__('Prove environment causes')}
            </button>
          )}
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
