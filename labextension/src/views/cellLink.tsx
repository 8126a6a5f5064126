import * as React from 'react';
import { ISectionProps } from './props';

/**
 * A cell, named as everywhere (`[3] df = pd.read_csv(…`): a button that scrolls to the
 * cell and selects it; nothing without a cell. `compact`: the prompt alone, the full
 * name in the tooltip (for lists of cells).
 */
export function CellLink(
  props: ISectionProps & { index: number | null; label?: string; compact?: boolean }
): JSX.Element | null {
  const { index, trans, onSelectCell, labelOf, compact } = props;
  if (index === null || index === undefined) {
    return null;
  }
  const label = props.label ?? labelOf?.(index) ?? trans.__('cell %1', index + 1);
  const shown = compact ? (label.match(/^\[[^\]]*\]/)?.[0] ?? label) : label;
  return (
    <button
      className="jp-repro-nb-cell-link"
      data-cell-index={index}
      onClick={() => onSelectCell(index)}
      title={`${label}\n${trans.__('Scroll to the cell and select it')}`}
    >
      {shown}
    </button>
  );
}
