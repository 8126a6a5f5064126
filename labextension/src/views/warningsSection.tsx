import * as React from 'react';
import { IWarningItem } from '../logic/warnings';
import { CellLink } from './cellLink';
import { ISectionProps } from './props';
import { Section } from './section';

/** The badge of each warning kind (translated). */
const KIND_LABELS: Record<string, string> = {
  'unseeded-rng': 'randomness',
  'data-changed': 'data changed',
  'pinned-data-changed': 'data changed',
  'data-missing': 'data missing',
  'out-of-order': 'out of order',
  rerun: 're-run',
  'package-changed': 'package',
  'recorder-error': 'recorder',
  'not-rerun': 'not re-run',
  'shadowed-module': 'shadowed module',
  'skewed-evaluation': 'skewed evaluation',
  'label-shift': 'label shift'
};

/** How many cell links a grouped warning shows before "+N more". */
const MAX_CELL_LINKS = 6;

/** The warnings, grouped and sorted by kind (logic/warnings.ts), each with its cells. */
export function WarningsSection(props: ISectionProps & { warnings: IWarningItem[] }): JSX.Element {
  const { warnings, trans } = props;
  return (
    <Section title={trans.__('Warnings')} count={warnings.length} name="warnings">
      {warnings.length === 0 ? (
        <p className="jp-repro-nb-none">{trans.__('No warnings.')}</p>
      ) : (
        <ul className="jp-repro-nb-list">
          {warnings.map((w, i) => (
            <WarningView key={i} {...props} warning={w} />
          ))}
        </ul>
      )}
    </Section>
  );
}

function WarningView(props: ISectionProps & { warning: IWarningItem }): JSX.Element {
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
            <CellLink key={c.id} {...props} index={c.index} compact={shown.length > 1} />
          ))}
          {more > 0 && <span className="jp-repro-nb-muted">{trans.__('+%1 more', more)}</span>}
        </span>
      )}
    </li>
  );
}
