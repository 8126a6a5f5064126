/**
 * The seeds the panel lists: what each cell set on its last run, in notebook order;
 * the notebook record's list when no cell record has any.
 */
import type { NotebookRecord, SeedEvent } from '../schema/record.js';
import type { ICellInfo } from './cells.js';

export interface ISeedItem extends SeedEvent {
  cellIndex: number | null;
}

export function seedItems(notebook: NotebookRecord | null, cells: ICellInfo[]): ISeedItem[] {
  const seeds: ISeedItem[] = [];
  for (const cell of cells) {
    for (const s of cell.record?.seeds ?? []) {
      seeds.push({ ...s, cellIndex: cell.index });
    }
  }
  if (seeds.length === 0) {
    const byId = new Map(cells.map(c => [c.id, c]));
    for (const s of notebook?.seeds ?? []) {
      seeds.push({ ...s, cellIndex: s.cell_id ? (byId.get(s.cell_id)?.index ?? null) : null });
    }
  }
  return seeds;
}
