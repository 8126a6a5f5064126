import * as React from 'react';
import { ISectionProps } from './props';

/** "cell 7": a button that scrolls to the cell and selects it; nothing without a cell. */
export function CellLink(props: ISectionProps & { index: number | null }): JSX.Element | null {
  const { index, trans, onSelectCell } = props;
  if (index === null || index === undefined) {
    return null;
  }
  return (
    <button
      className="jp-repro-nb-cell-link"
      data-cell-index={index}
      onClick={() => onSelectCell(index)}
      title={trans.__('Scroll to the cell and select it')}
    >
      {trans.__('cell %1', index + 1)}
    </button>
  );
}
