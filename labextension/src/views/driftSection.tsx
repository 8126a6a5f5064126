import * as React from 'react';
import { IAttributionNote, isConfirmed } from '../logic/attribution';
import { IDriftItem } from '../logic/drift';
import { CellLink } from './cellLink';
import { OutputDiffView } from './outputDiff';
import { ISectionProps } from './props';
import { Section } from './section';

/** After a check: each drifted or failed cell with its causes and output diffs. */
export function DriftSection(
  props: ISectionProps & { drift: IDriftItem[]; attribution?: IAttributionNote | null }
): JSX.Element {
  const { drift, attribution, trans, onSelectCell } = props;
  return (
    <Section title={trans.__('Drift')} count={drift.length} name="drift">
      {attribution && (
        <p className="jp-repro-nb-attribution" data-outcome={attribution.outcome}>
          {attribution.outcome === 'confirmed' && (
            <span className="jp-repro-nb-confirmed-badge">{trans.__('confirmed by re-run')}</span>
          )}
          {attribution.message}
        </p>
      )}
      {drift.map((d, i) => (
        <DriftView key={i} drift={d} trans={trans} onSelectCell={onSelectCell} />
      ))}
    </Section>
  );
}

function DriftView(props: ISectionProps & { drift: IDriftItem }): JSX.Element {
  const { drift, trans, onSelectCell } = props;
  return (
    <div
      className="jp-repro-nb-drift-item"
      data-status={drift.status}
      data-cell-id={drift.cellId ?? ''}
    >
      <div className="jp-repro-nb-drift-head">
        <span className={`jp-repro-nb-badge jp-repro-nb-status-${drift.status}`}>
          {drift.status === 'failed' ? trans.__('failed') : trans.__('drifted')}
        </span>
        <CellLink index={drift.cellIndex} trans={trans} onSelectCell={onSelectCell} />
        {drift.executionCount !== null && (
          <span className="jp-repro-nb-muted">[{drift.executionCount}]</span>
        )}
      </div>
      {drift.failure && (
        <p className="jp-repro-nb-error">
          {[drift.failure.ename, drift.failure.evalue].filter(Boolean).join(': ') ||
            drift.failure.kind}
        </p>
      )}
      {drift.causes.length > 0 && (
        <ul className="jp-repro-nb-causes">
          {drift.causes.map((c, i) => (
            <li
              key={i}
              className={`jp-repro-nb-cause${isConfirmed(c) ? ' jp-repro-nb-cause-confirmed' : ''}`}
              data-kind={c.kind}
              data-category={c.category}
            >
              <span className={`jp-repro-nb-confidence jp-repro-nb-confidence-${c.confidence}`}>
                {trans.__(c.confidence)}
              </span>
              {isConfirmed(c) && (
                <span className="jp-repro-nb-confirmed-badge">
                  {trans.__('confirmed by re-run')}
                </span>
              )}
              <span className="jp-repro-nb-message">{c.message}</span>
              {c.origin_index !== null && c.origin_index !== drift.cellIndex && (
                <CellLink index={c.origin_index} trans={trans} onSelectCell={onSelectCell} />
              )}
            </li>
          ))}
        </ul>
      )}
      {drift.diffs.map((d, i) => (
        <OutputDiffView key={i} diff={d} trans={trans} />
      ))}
    </div>
  );
}
