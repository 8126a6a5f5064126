/**
 * The notebook's cells as the pure logic sees them. No JupyterLab types: the model
 * (../model) reads the cells and hands their ids, positions and records over.
 */
import type { CellRecord } from '../schema/record.js';

/** A cell of the notebook: its id and its current 0-based position. */
export interface ICellPlace {
  id: string;
  index: number;
}

/** One cell with its record (null when it has none, or none that reads as a record). */
export interface ICellInfo extends ICellPlace {
  record: CellRecord | null;
}
