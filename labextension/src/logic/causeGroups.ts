/**
 * The drift of a check grouped by root cause (`cause.root`, docs/causes.md): one edited
 * data file is one entry, "data/sales.csv changed → [3] [6] [7]", not the same cause and
 * hash pair once per cell.
 *
 * Each cell counts under its most specific cause (the checker lists causes most specific
 * first), and under another only when that one is as sure and explains another change:
 * "one cause per cell unless several apply". Less likely causes stay with the cell,
 * folded. A cell that failed only because an earlier cell failed (`consequence`) is
 * listed under the root cause of that earlier cell, as what followed from it.
 */
import type { Cause } from '../schema/check.js';
import type { IDriftItem } from './drift.js';

export interface IGroupCell {
  cellId: string | null;
  cellIndex: number | null;
  label: string;
  status: string;
  /** This cell's causes of this root (the message names the cell's own evidence). */
  causes: Cause[];
  /** The cell failed only because an earlier cell of this group failed. */
  consequence: boolean;
}

export interface ICauseGroup {
  root: string;
  /** One line: what changed ("data/sales.csv changed"). */
  headline: string;
  kind: Cause['kind'];
  category: Cause['category'];
  /** The surest confidence among the group's causes. */
  confidence: Cause['confidence'];
  confirmed: boolean;
  cells: IGroupCell[];
  /** The facts the causes rest on, each once. */
  evidence: string[];
}

const RANK: Record<Cause['confidence'], number> = { high: 0, medium: 1, low: 2 };

/**
 * The causes a cell is listed under: the first (most specific), and any other as sure
 * with another root. The rest are `others`.
 */
export function primaryCauses(causes: Cause[]): { shown: Cause[]; others: Cause[] } {
  if (causes.length === 0) {
    return { shown: [], others: [] };
  }
  const first = causes[0];
  const shown = [first];
  for (const cause of causes.slice(1)) {
    const sure = RANK[cause.confidence] <= RANK[first.confidence];
    if (sure && cause.kind !== 'unknown' && !shown.some(c => c.root === cause.root)) {
      shown.push(cause);
    }
  }
  return { shown, others: causes.filter(c => !shown.includes(c)) };
}

/** `labelOf(index, count)`: how a cell is named (./cells.ts `labelAt`). */
export type CellNamer = (index: number | null, executionCount: number | null) => string;

/** The drift grouped by root cause, surest and largest groups first. */
export function causeGroups(drift: IDriftItem[], labelOf: CellNamer): ICauseGroup[] {
  const groups = new Map<string, ICauseGroup>();
  const rootOfCell = new Map<number, string>();
  const pending: { item: IDriftItem; cause: Cause }[] = [];
  const add = (root: string, cause: Cause, item: IDriftItem, consequence: boolean) => {
    let group = groups.get(root);
    if (!group) {
      group = {
        root,
        headline: rootHeadline(cause, labelOf),
        kind: cause.kind,
        category: cause.category,
        confidence: cause.confidence,
        confirmed: cause.category === 'environment-confirmed',
        cells: [],
        evidence: []
      };
      groups.set(root, group);
    }
    // what followed from the root cause says nothing about how sure the root cause is
    if (!consequence && RANK[cause.confidence] < RANK[group.confidence]) {
      group.confidence = cause.confidence;
    }
    let cell = group.cells.find(c => c.cellIndex === item.cellIndex && c.cellId === item.cellId);
    if (!cell) {
      cell = {
        cellId: item.cellId,
        cellIndex: item.cellIndex,
        label: labelOf(item.cellIndex, item.executionCount),
        status: item.status,
        causes: [],
        consequence
      };
      group.cells.push(cell);
    }
    cell.causes.push(cause);
    for (const fact of consequence ? [] : (cause.evidence ?? [])) {
      if (!group.evidence.includes(fact)) {
        group.evidence.push(fact);
      }
    }
  };
  for (const item of drift) {
    const { shown } = primaryCauses(item.causes);
    if (shown.length === 0) {
      add('unknown:-', unknownCause(), item, false);
      continue;
    }
    for (const cause of shown) {
      if (cause.kind === 'consequence') {
        pending.push({ item, cause });
        continue;
      }
      // "no cause found" is one entry, whichever cells it is about
      const root = cause.kind === 'unknown' ? 'unknown:-' : cause.root;
      add(root, cause, item, false);
      if (item.cellIndex !== null && !rootOfCell.has(item.cellIndex)) {
        rootOfCell.set(item.cellIndex, root);
      }
    }
  }
  for (const { item, cause } of pending) {
    const origin = cause.origin_index;
    const root = origin !== null ? rootOfCell.get(origin) : undefined;
    if (root) {
      add(root, cause, item, true);
    } else {
      add(cause.root, cause, item, false);
    }
  }
  const result = [...groups.values()];
  for (const group of result) {
    group.cells.sort(
      (a, b) =>
        Number(a.consequence) - Number(b.consequence) || (a.cellIndex ?? 1e9) - (b.cellIndex ?? 1e9)
    );
  }
  return result.sort(
    (a, b) =>
      Number(b.confirmed) - Number(a.confirmed) ||
      RANK[a.confidence] - RANK[b.confidence] ||
      Number(a.kind === 'unknown') - Number(b.kind === 'unknown') ||
      b.cells.length - a.cells.length ||
      (a.cells[0]?.cellIndex ?? 1e9) - (b.cells[0]?.cellIndex ?? 1e9)
  );
}

function unknownCause(): Cause {
  return {
    kind: 'unknown',
    category: 'unknown',
    message: 'no cause found in the record or the code',
    confidence: 'low',
    origin_index: null,
    evidence: [],
    root: 'unknown:-',
    details: {}
  };
}

function text(value: unknown, fallback = '?'): string {
  return value === null || value === undefined || value === '' ? fallback : String(value);
}

/** What one root cause is, in a line: the change, not the cell it shows in. */
export function rootHeadline(cause: Cause, labelOf: CellNamer): string {
  const d = cause.details ?? {};
  const origin = () => labelOf(cause.origin_index, null);
  switch (cause.kind) {
    case 'data-changed':
      return `${text(d.path)} changed`;
    case 'data-missing':
      return `${text(d.path)} is missing`;
    case 'data-unrecorded':
      return `${text(d.path)} was read but is not in the record`;
    case 'package-changed':
      return `${text(d.distribution ?? d.module)} ${text(d.old)} → ${text(d.new, 'not installed')}`;
    case 'package-missing':
      return `${text(d.distribution ?? d.module)} is not installed`;
    case 'local-module-changed':
      return `local module ${text(d.module ?? d.path)} changed`;
    case 'local-module-missing':
      return `local module ${text(d.module ?? d.path)} is missing`;
    case 'environment':
      return `${text(d.field)}: ${text(d.old, 'unset')} → ${text(d.new, 'unset')}`;
    case 'env-var-changed':
      return `environment variable ${text(d.name)} is ${d.is_set ? 'set' : 'unset'} now`;
    case 'version-signature':
      return `output of another ${text(d.package, 'package')} version`;
    case 'environment-confirmed':
      return `${text(d.distributions, 'the environment')} (confirmed by re-run)`;
    case 'kernel-substituted':
      return `kernel ${text(d.requested)} is not installed here; ran with ${text(d.used)}`;
    case 'hidden-state':
      return `${text(d.name)} is defined by no earlier cell`;
    case 'network':
      return d.host ? `network: ${text(d.host)} could not be reached` : 'a network request failed';
    case 'unseeded-rng':
      return `random numbers without a seed${d.library ? ` (${text(d.library)})` : ''} in ${origin()}`;
    case 'hash-order':
      return 'iteration order of hashed strings (PYTHONHASHSEED)';
    case 'code-edited':
      return `${origin()} was edited after its outputs were saved`;
    case 'out-of-order':
      return 'the stored notebook was run out of order';
    case 'rerun':
      return 'cells were run more than once, or other code ran in between';
    case 'timeout':
      return `${origin()} ran out of time`;
    case 'dead-kernel':
      return 'the kernel died';
    case 'error-gone':
      return `the error kept in ${origin()} no longer happens`;
    case 'consequence':
      return `${origin()} failed first`;
    case 'unknown':
      return 'no cause found in the record or the code';
    default:
      return cause.message;
  }
}
