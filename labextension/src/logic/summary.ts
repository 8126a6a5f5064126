/**
 * What the panel shows, derived from the record in the notebook's metadata and the
 * last check's result. Pure functions of data: no widgets, no kernel, so the same rules
 * serve the panel, the markers and the tests. Each section's rules live in a module of
 * their own; this one puts them together.
 */
import type { NotebookResult } from '../schema/check.js';
import type { NotebookRecord } from '../schema/record.js';
import { attributionNote, type IAttributionNote } from './attribution.js';
import { causeGroups, type ICauseGroup } from './causeGroups.js';
import { type ICellInfo, labelAt } from './cells.js';
import { checkCounts, type ICheckCounts } from './counts.js';
import { dataItems, type IDataItem, type ILiveDataState } from './dataFiles.js';
import { driftItems, type IDriftItem } from './drift.js';
import { environmentRows } from './environment.js';
import { outdatedReasons } from './outdated.js';
import { type IPackageItem, packageItems } from './packages.js';
import { type QuickFix, quickFixes } from './quickFixes.js';
import { type ISeedItem, seedItems } from './seeds.js';
import { type IStar, starsOf } from './stars.js';
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
  /** The drift grouped by root cause (./causeGroups.ts). */
  groups: ICauseGroup[];
  /** The counts of the last check, agreeing with `drift` (./counts.ts); null before a check. */
  counts: ICheckCounts | null;
  /** Names of the cells the last check did not run. */
  notRun: string[];
  /** The proof by re-run of the last check (`--attribute`), or null. */
  attribution: IAttributionNote | null;
  /** The last check's verdict and its one-line message, or null before any check. */
  verdict: NotebookResult['verdict'] | null;
  verdictMessage: string | null;
  /** When the last check started, and why its result no longer describes the notebook. */
  checkedAt: string | null;
  outdated: string[];
  fixes: QuickFix[];
  /** The five stars of the reproducibility report, when there is one (./stars.ts). */
  stars: IStar[] | null;
  /** How each cell is named now, by position (./cellName.ts). */
  labels: string[];
}

/** What the model knows besides the record and the result. */
export interface ISummaryContext {
  /** The files as they are on disk now. */
  live?: ILiveDataState[];
  /** When the last check with a result started. */
  checkedAt?: string | null;
  /** When the notebook file was last saved. */
  notebookModifiedAt?: string | null;
  /** Each cell's source, in order (for the quick fixes). */
  sources?: string[];
}

/**
 * Everything the panel shows. `cells` is the notebook's cells in their current order,
 * `result` the last finished check of the saved notebook (or null).
 */
export function summarize(
  notebook: NotebookRecord | null,
  cells: ICellInfo[],
  result: NotebookResult | null,
  context: ISummaryContext = {}
): ISummary {
  const recorded = cells.filter(c => c.record);
  const warnings = warningItems(notebook, cells, result);
  const drift = driftItems(result, cells);
  const grouped = groupWarnings(warnings);
  const data = dataItems(notebook, cells, result, warnings, context.live ?? []);
  const counts = checkCounts(result);
  const checkedAt = result ? (context.checkedAt ?? null) : null;
  const liveFiles = data.filter(d => d.live).map(d => ({ path: d.path, modifiedAt: d.modifiedAt }));
  return {
    hasRecord: !!notebook || recorded.length > 0,
    recordedCells: recorded.length,
    warnings: grouped,
    seeds: seedItems(notebook, cells),
    data,
    packages: packageItems(notebook, result, cells),
    environment: environmentRows(notebook),
    drift,
    groups: causeGroups(drift, (index, count) => labelAt(cells, index, count)),
    counts,
    notRun: (counts?.notRun ?? []).map(c => labelAt(cells, c.index, c.execution_count)),
    attribution: attributionNote(result),
    verdict: result?.verdict ?? null,
    verdictMessage: result?.message ?? null,
    checkedAt,
    outdated: checkedAt ? outdatedReasons(checkedAt, context.notebookModifiedAt, liveFiles) : [],
    fixes: quickFixes(grouped, result, context.sources ?? []),
    stars: starsOf(result),
    labels: cells.map(c => labelAt(cells, c.index))
  };
}
