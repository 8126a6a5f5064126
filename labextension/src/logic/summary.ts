/**
 * What the panel shows, derived from the record in the notebook's metadata and the
 * last check's result. Pure functions of data: no widgets, no kernel, so the same rules
 * serve the panel, the markers and the tests. Each section's rules live in a module of
 * their own; this one puts them together.
 */
import type { NotebookResult } from '../schema/check.js';
import type { NotebookRecord } from '../schema/record.js';
import { attributionNote, type IAttributionNote } from './attribution.js';
import type { ICellInfo } from './cells.js';
import { dataItems, type IDataItem } from './dataFiles.js';
import { driftItems, type IDriftItem } from './drift.js';
import { environmentRows } from './environment.js';
import { type IPackageItem, packageItems } from './packages.js';
import { type ISeedItem, seedItems } from './seeds.js';
import { groupWarnings, type IWarningItem, warningItems } from './warnings.js';

export interface ISummary {
  hasRecord: boolean;
  recordedCells: number;
  warnings: IWarningItem[];
  seeds: ISeedItem[];
  data: IDataItem[];
  packages: IPackageItem[];
  environment: [string, string][];
  drift: IDriftItem[];
  /** The proof by re-run of the last check (`--attribute`), or null. */
  attribution: IAttributionNote | null;
  /** The last check's verdict and its one-line message, or null before any check. */
  verdict: NotebookResult['verdict'] | null;
  verdictMessage: string | null;
}

/**
 * Everything the panel shows. `cells` is the notebook's cells in their current order,
 * `result` the last finished check of the saved notebook (or null).
 */
export function summarize(
  notebook: NotebookRecord | null,
  cells: ICellInfo[],
  result: NotebookResult | null
): ISummary {
  const recorded = cells.filter(c => c.record);
  const warnings = warningItems(notebook, cells, result);
  return {
    hasRecord: !!notebook || recorded.length > 0,
    recordedCells: recorded.length,
    warnings: groupWarnings(warnings),
    seeds: seedItems(notebook, cells),
    data: dataItems(notebook, cells, result, warnings),
    packages: packageItems(notebook, result),
    environment: environmentRows(notebook),
    drift: driftItems(result, cells),
    attribution: attributionNote(result),
    verdict: result?.verdict ?? null,
    verdictMessage: result?.message ?? null
  };
}
