import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { ISummary } from '../logic/summary';

/** The notebook's name and, after a check, its verdict with the checker's message. */
export function Header(props: {
  title: string;
  summary?: ISummary;
  trans?: TranslationBundle;
}): JSX.Element {
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
