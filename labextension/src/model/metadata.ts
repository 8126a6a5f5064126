/**
 * The record in the notebook's metadata: `metadata.repro_nb` (the notebook record) and
 * `cells[i].metadata.repro_nb` (each cell's). Writing it there is what makes Save
 * persist it and a reload restore it.
 *
 * Reading is defensive: the metadata comes from files that other versions (or hands)
 * may have written, so anything that is not an object reads as no record.
 */
import { ICellModel } from '@jupyterlab/cells';
import { INotebookModel } from '@jupyterlab/notebook';
import { JSONExt, ReadonlyPartialJSONValue } from '@lumino/coreutils';
import { CellRecord, NotebookRecord } from '../schema/record';

/** The metadata key of both the notebook record and each cell's record. */
export const METADATA_KEY = 'repro_nb';

/** The notebook record in the notebook's metadata, or null. */
export function readNotebookRecord(model: INotebookModel): NotebookRecord | null {
  return asObject<NotebookRecord>(model.getMetadata(METADATA_KEY));
}

/** A cell's record in its metadata, or null. */
export function readCellRecord(cell: ICellModel): CellRecord | null {
  return asObject<CellRecord>(cell.getMetadata(METADATA_KEY));
}

/**
 * Write a cell record into the metadata of the cell it names. A record without an
 * nbformat id (the frontend sent none) has no cell to go to; an unchanged one is not
 * written again, so the notebook does not turn dirty for nothing.
 */
export function writeCellRecord(model: INotebookModel, record: CellRecord): void {
  if (!record?.cell_id) {
    return;
  }
  const cells = model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.id === record.cell_id) {
      const current = cell.getMetadata(METADATA_KEY) as ReadonlyPartialJSONValue | undefined;
      if (!current || !JSONExt.deepEqual(current, asJSON(record))) {
        cell.setMetadata(METADATA_KEY, record);
      }
      return;
    }
  }
}

/**
 * Write the notebook record unless it equals `current` but for `updated_at`, which
 * changes on every message: a page reload must not make an unchanged notebook dirty.
 */
export function writeNotebookRecord(
  model: INotebookModel,
  current: NotebookRecord | null,
  record: NotebookRecord | null
): void {
  if (!record) {
    return;
  }
  if (current && sameExcept(current, record, 'updated_at')) {
    return;
  }
  model.setMetadata(METADATA_KEY, record);
}

function asObject<T>(value: unknown): T | null {
  return value && typeof value === 'object' ? (value as T) : null;
}

/** The record as the JSON value it is (its interfaces have no index signature). */
function asJSON(record: object): ReadonlyPartialJSONValue {
  return record as ReadonlyPartialJSONValue;
}

function sameExcept(a: object, b: object, key: string): boolean {
  const strip = (o: object): ReadonlyPartialJSONValue => {
    const copy: Record<string, unknown> = { ...o };
    delete copy[key];
    return asJSON(copy);
  };
  return JSONExt.deepEqual(strip(a), strip(b));
}
