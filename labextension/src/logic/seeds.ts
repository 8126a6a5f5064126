/**
 * The seeds the panel lists: what each cell set on its last run, in notebook order;
 * the notebook record's list when no cell record has any. Each names the library it
 * seeded (`%repro_seed 42` seeds random, NumPy, PyTorch… one event each).
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

/** "numpy: %repro_seed 42", "random: random.seed(7)": the library first, then the call. */
export function seedText(seed: Pick<SeedEvent, 'library' | 'api' | 'value'>): {
  library: string;
  call: string;
} {
  const value = String(seed.value);
  const call = seed.api.startsWith('%') ? `${seed.api} ${value}` : `${seed.api}(${value})`;
  return { library: seed.library || '?', call };
}
