import * as React from 'react';
import { IAttributionNote, isConfirmed } from '../logic/attribution';
import { ICauseGroup, IGroupCell, primaryCauses } from '../logic/causeGroups';
import { confidenceTooltip } from '../logic/confidence';
import { compactDiffs, IDriftItem } from '../logic/drift';
import { Cause } from '../schema/check';
import { CellLink } from './cellLink';
import { OutputDiffView } from './outputDiff';
import { IPanelActions, ISectionProps } from './props';
import { Section } from './section';

/** With this many groups or fewer, every group starts unfolded. */
const OPEN_UP_TO = 3;
/** Cell chips in a group's line before "+N". */
const MAX_CHIPS = 8;

/**
 * After a check: why cells drifted, grouped by root cause — "data/sales.csv changed →
 * [3] [6] [7]" — each group unfolding into its evidence and its cells (their causes and
 * output differences).
 */
export function CausesSection(
  props: ISectionProps & {
    groups: ICauseGroup[];
    drift: IDriftItem[];
    attribution?: IAttributionNote | null;
    actions: IPanelActions;
  }
): JSX.Element {
  const { groups, drift, attribution, trans } = props;
  const cells = drift.length;
  return (
    <Section
      title={trans.__('Why it drifted')}
      count={groups.length}
      name="drift"
      caption={trans.__('%1 root causes for %2 cells', groups.length, cells)}
    >
      {attribution && (
        <p className="jp-repro-nb-attribution" data-outcome={attribution.outcome}>
          {attribution.outcome === 'confirmed' && (
            <span className="jp-repro-nb-confirmed-badge">{trans.__('confirmed by re-run')}</span>
          )}
          {attribution.message}
        </p>
      )}
      {groups.map(group => (
        <GroupView
          key={group.root}
          {...props}
          group={group}
          open={groups.length <= OPEN_UP_TO}
          items={drift}
        />
      ))}
    </Section>
  );
}

function ConfidenceBadge(props: {
  cause: Pick<Cause, 'confidence' | 'evidence'>;
  label: string;
}): JSX.Element {
  const { cause, label } = props;
  return (
    <span
      className={`jp-repro-nb-confidence jp-repro-nb-confidence-${cause.confidence}`}
      title={confidenceTooltip(cause)}
      tabIndex={0}
    >
      {label}
    </span>
  );
}

function GroupView(
  props: ISectionProps & {
    group: ICauseGroup;
    open: boolean;
    items: IDriftItem[];
    actions: IPanelActions;
  }
): JSX.Element {
  const { group, open, trans, items } = props;
  const chips = group.cells.slice(0, MAX_CHIPS);
  const more = group.cells.length - chips.length;
  return (
    <details
      className={`jp-repro-nb-group${group.confirmed ? ' jp-repro-nb-cause-confirmed' : ''}`}
      data-root={group.root}
      data-kind={group.kind}
      data-category={group.category}
      data-cells={group.cells.length}
      open={open}
    >
      <summary className="jp-repro-nb-group-head">
        <ConfidenceBadge
          cause={{ confidence: group.confidence, evidence: group.evidence }}
          label={trans.__(group.confidence)}
        />
        {group.confirmed && (
          <span className="jp-repro-nb-confirmed-badge">{trans.__('confirmed by re-run')}</span>
        )}
        <span className="jp-repro-nb-group-headline">{group.headline}</span>
        <span className="jp-repro-nb-group-arrow">→</span>
        <span className="jp-repro-nb-group-cells">
          {chips.map(c => (
            <CellLink
              key={`${c.cellId}-${c.cellIndex}`}
              {...props}
              index={c.cellIndex}
              label={c.label}
              compact
            />
          ))}
          {more > 0 && <span className="jp-repro-nb-muted">{trans.__('+%1', more)}</span>}
        </span>
      </summary>
      {group.evidence.length > 0 && (
        <ul className="jp-repro-nb-evidence">
          {group.evidence.slice(0, 6).map((fact, i) => (
            <li key={i}>{fact}</li>
          ))}
        </ul>
      )}
      {group.cells.map(cell => (
        <GroupCellView
          key={`${cell.cellId}-${cell.cellIndex}`}
          {...props}
          cell={cell}
          item={items.find(d => d.cellIndex === cell.cellIndex && d.cellId === cell.cellId)}
        />
      ))}
    </details>
  );
}

function GroupCellView(
  props: ISectionProps & { cell: IGroupCell; item?: IDriftItem; actions: IPanelActions }
): JSX.Element {
  const { cell, item, trans, actions } = props;
  const others = item ? primaryCauses(item.causes).others : [];
  const diffs = item ? compactDiffs(item.diffs) : [];
  return (
    <div
      className="jp-repro-nb-drift-item"
      data-status={cell.status}
      data-cell-id={cell.cellId ?? ''}
      data-consequence={cell.consequence ? 'true' : 'false'}
    >
      <div className="jp-repro-nb-drift-head">
        <span className={`jp-repro-nb-badge jp-repro-nb-status-${cell.status}`}>
          {cell.status === 'failed' ? trans.__('failed') : trans.__('drifted')}
        </span>
        <CellLink {...props} index={cell.cellIndex} label={cell.label} />
        {cell.cellIndex !== null && (
          <button
            className="jp-Button jp-mod-minimal jp-repro-nb-cell-diff"
            onClick={() => actions.showDiff(cell.cellIndex)}
            title={trans.__('Show this cell’s drift in nbdime’s diff')}
          >
            {trans.__('Show diff')}
          </button>
        )}
      </div>
      {item?.failure && (
        <p className="jp-repro-nb-error">
          {[item.failure.ename, item.failure.evalue].filter(Boolean).join(': ') ||
            item.failure.kind}
        </p>
      )}
      <ul className="jp-repro-nb-causes">
        {cell.causes.map((c, i) => (
          <CauseLine key={i} {...props} cause={c} cellIndex={cell.cellIndex} />
        ))}
      </ul>
      {others.length > 0 && (
        <details className="jp-repro-nb-other-causes">
          <summary>{trans.__('%1 less likely', others.length)}</summary>
          <ul className="jp-repro-nb-causes">
            {others.map((c, i) => (
              <CauseLine key={i} {...props} cause={c} cellIndex={cell.cellIndex} />
            ))}
          </ul>
        </details>
      )}
      {diffs.map((d, i) => (
        <OutputDiffView key={i} diff={d} trans={trans} />
      ))}
    </div>
  );
}

function CauseLine(props: ISectionProps & { cause: Cause; cellIndex: number | null }): JSX.Element {
  const { cause, cellIndex, trans } = props;
  return (
    <li
      className={`jp-repro-nb-cause${isConfirmed(cause) ? ' jp-repro-nb-cause-confirmed' : ''}`}
      data-kind={cause.kind}
      data-category={cause.category}
    >
      <ConfidenceBadge cause={cause} label={trans.__(cause.confidence)} />
      {isConfirmed(cause) && (
        <span className="jp-repro-nb-confirmed-badge">{trans.__('confirmed by re-run')}</span>
      )}
      <span className="jp-repro-nb-message">{cause.message}</span>
      {cause.origin_index !== null && cause.origin_index !== cellIndex && (
        <CellLink {...props} index={cause.origin_index} />
      )}
    </li>
  );
}
