import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { countsLine } from '../logic/counts';
import { ago } from '../logic/outdated';
import { ISummary } from '../logic/summary';
import { IPanelActions } from './props';

/**
 * Summary first: the verdict, when it was checked (and "outdated" once the notebook or a
 * data file changed since), counts that agree with the list below, the cells not run,
 * the five stars when a report exists; "Show diff" and the report downloads.
 */
export function SummarySection(props: {
  summary: ISummary;
  trans: TranslationBundle;
  actions: IPanelActions;
  hasCheck: boolean;
}): JSX.Element | null {
  const { summary, trans, actions, hasCheck } = props;
  if (!summary.verdict) {
    return null;
  }
  const outdated = summary.outdated.length > 0;
  const bad = summary.drift.length;
  return (
    <div
      className={`jp-repro-nb-verdict jp-repro-nb-verdict-${summary.verdict}`}
      data-verdict={summary.verdict}
      data-outdated={outdated ? 'true' : 'false'}
    >
      <div className="jp-repro-nb-verdict-row">
        <span className="jp-repro-nb-verdict-label">{verdictLabel(summary.verdict, trans)}</span>
        {summary.checkedAt && (
          <span
            className="jp-repro-nb-checked-at"
            title={new Date(summary.checkedAt).toLocaleString()}
          >
            {trans.__('checked %1', ago(summary.checkedAt))}
          </span>
        )}
        {outdated && (
          <span
            className="jp-repro-nb-outdated"
            title={trans.__(
              'Outdated: %1. Check again to see the drift now.',
              summary.outdated.join('; ')
            )}
          >
            {trans.__('outdated')}
          </span>
        )}
      </div>
      {summary.counts && (
        <div
          className="jp-repro-nb-counts"
          data-drifted={summary.counts.drifted}
          data-failed={summary.counts.failed}
        >
          {countsLine(summary.counts)}
        </div>
      )}
      {summary.verdict === 'error' && summary.verdictMessage && (
        <div className="jp-repro-nb-verdict-message">{summary.verdictMessage}</div>
      )}
      {summary.notRun.length > 0 && (
        <div className="jp-repro-nb-not-run">
          {trans.__('Not run (execution stopped earlier):')} {summary.notRun.join(', ')}
        </div>
      )}
      {outdated && <div className="jp-repro-nb-outdated-note">{summary.outdated.join('; ')}</div>}
      {summary.stars && (
        <div className="jp-repro-nb-stars" aria-label={trans.__('Reproducibility stars')}>
          {summary.stars.map(star => (
            <span
              key={star.name}
              className={`jp-repro-nb-star${star.earned ? ' jp-repro-nb-star-earned' : ''}`}
              title={
                star.earned ? star.name : `${star.name}: ${star.next ?? trans.__('not earned yet')}`
              }
            >
              {star.earned ? '★' : '☆'}
            </span>
          ))}
        </div>
      )}
      <div className="jp-repro-nb-summary-actions">
        {bad > 0 && (
          <button
            className="jp-Button jp-mod-styled jp-repro-nb-show-diff"
            disabled={!hasCheck}
            onClick={() => actions.showDiff(null)}
            title={trans.__(
              'The stored notebook against its re-run, drawn by nbdime (drifted cells only)'
            )}
          >
            {trans.__('Show diff')}
          </button>
        )}
        <span className="jp-repro-nb-download">
          <span className="jp-repro-nb-muted">{trans.__('Report:')}</span>
          <button
            className="jp-Button jp-mod-styled jp-repro-nb-download-html"
            disabled={!hasCheck}
            onClick={() => actions.downloadReport('html')}
            title={trans.__('Download the check report as a standalone HTML file')}
          >
            HTML
          </button>
          <button
            className="jp-Button jp-mod-styled jp-repro-nb-download-json"
            disabled={!hasCheck}
            onClick={() => actions.downloadReport('json')}
            title={trans.__('Download the check report as JSON (docs/check-json.md)')}
          >
            JSON
          </button>
        </span>
      </div>
    </div>
  );
}

export function verdictLabel(verdict: string, trans: TranslationBundle): string {
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
