/**
 * The notebook's cells as the pure logic sees them. No JupyterLab types: the model
 * (../model) reads the cells and hands their ids, positions, records and names over.
 */
import type { CellRecord } from '../schema/record.js';
import { cellLabel } from './cellName.js';

/** A cell of the notebook: its id and its current 0-based position. */
export interface ICellPlace {
  id: string;
  index: number;
  /** How the cell is named everywhere: `[3] df = pd.read_csv(…` (./cellName.ts). */
  label?: string;
}

/** One cell with its record (null when it has none, or none that reads as a record). */
export interface ICellInfo extends ICellPlace {
  record: CellRecord | null;
}

/** The name of the cell at `index` now; `fallback` (the check's count) when it is gone. */
export function labelAt(
  cells: ICellPlace[],
  index: number | null,
  fallbackCount: number | null = null
): string {
  const cell = index !== null ? cells[index] : undefined;
  return cell?.label ?? cellLabel(fallbackCount, null, index);
}
