import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { CheckPhase, checkPhase } from '../logic/checkStatus';
import { ReproModel } from '../model/reproModel';

/**
 * The check button; an active check's place in the server's line or its progress, and
 * its cancel button; how the last check ended.
 */
export function CheckSection(props: { model: ReproModel; trans: TranslationBundle }): JSX.Element {
  const { model, trans } = props;
  const runner = model.checks;
  const check = runner.check;
  const running = runner.running;
  const phase = checkPhase(check, runner.starting);
  return (
    <div
      className="jp-repro-nb-check"
      data-check-state={stateAttribute(phase, running, check?.state)}
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
      {running && <Progress phase={phase} trans={trans} />}
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

/** `data-check-state`: what the browser tests and the style key on. */
function stateAttribute(phase: CheckPhase, running: boolean, state: string | undefined): string {
  if (phase.kind === 'queued') {
    return 'queued';
  }
  return running ? 'running' : (state ?? 'none');
}

/** Where an active check is: waiting in line, starting its kernel, running a cell. */
function Progress(props: { phase: CheckPhase; trans: TranslationBundle }): JSX.Element {
  const { phase, trans } = props;
  switch (phase.kind) {
    case 'queued':
      return (
        <div className="jp-repro-nb-progress jp-repro-nb-queued">
          <span
            title={trans.__(
              'The server runs a limited number of checks at once; this one starts when a slot is free.'
            )}
          >
            {phase.position !== null
              ? trans.__(
                  'Queued (position %1): waiting for a free slot on the server…',
                  phase.position
                )
              : trans.__('Queued: waiting for a free slot on the server…')}
          </span>
        </div>
      );
    case 'running':
      return (
        <div className="jp-repro-nb-progress">
          <progress max={phase.total} value={phase.cell} />
          <span>{trans.__('Running cell %1 of %2…', phase.cell + 1, phase.total)}</span>
        </div>
      );
    default:
      return (
        <div className="jp-repro-nb-progress">
          <span>{trans.__('Starting a fresh kernel…')}</span>
        </div>
      );
  }
}
