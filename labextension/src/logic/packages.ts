/**
 * The packages the panel lists: the record's, with the version the last check ran
 * with where it differs, and whether a cell imports it itself (`direct`) or another
 * package pulled it in — the indirect ones (cycler, fonttools under matplotlib) are
 * folded away.
 */
import type { NotebookResult } from '../schema/check.js';
import type { NotebookRecord } from '../schema/record.js';
import type { ICellInfo } from './cells.js';

export interface IPackageItem {
  name: string;
  version: string | null;
  /** The version the last check ran with, when it differs from the record. */
  checkedVersion?: string | null;
  differs: boolean;
  /** A cell's own source imports it; false: pulled in by another package; null: not known. */
  direct: boolean | null;
  /** Indices of the cells that import it themselves. */
  importedBy: number[];
}

export function packageItems(
  notebook: NotebookRecord | null,
  result: NotebookResult | null,
  cells: ICellInfo[] = []
): IPackageItem[] {
  const checked = new Map((result?.packages ?? []).map(p => [p.distribution, p]));
  const direct = new Map<string, number[]>();
  let known = false;
  for (const cell of cells) {
    for (const imported of cell.record?.imports ?? []) {
      const name = imported.distribution;
      if (!name) {
        continue;
      }
      if (imported.direct !== undefined) {
        known = true;
      }
      if (imported.direct !== false) {
        direct.set(name, [...(direct.get(name) ?? []), cell.index]);
      }
    }
  }
  return Object.entries(notebook?.packages ?? {})
    .map(([name, version]) => {
      const check = checked.get(name);
      const differs = !!check && check.old !== check.new;
      const isDirect = direct.has(name) ? true : known ? false : null;
      return {
        name,
        version,
        checkedVersion: differs ? check.new : undefined,
        differs,
        direct: isDirect,
        importedBy: direct.get(name) ?? []
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
