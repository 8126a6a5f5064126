/**
 * Fixes the panel can apply itself because they are mechanical: seed every RNG at the
 * top of the notebook (`%repro_seed 42`), choose another kernel when the notebook's is
 * not installed here. Pure: what to insert and where; the model does it.
 */
import type { NotebookResult } from '../schema/check.js';
import type { IWarningItem } from './warnings.js';

export const DEFAULT_SEED = 42;

export type QuickFix =
  | { kind: 'insert-seed'; seed: number; label: string }
  | { kind: 'pick-kernel'; requested: string; label: string };

/** The fixes that apply to this notebook's warnings and last check. */
export function quickFixes(
  warnings: IWarningItem[],
  result: NotebookResult | null,
  sources: string[]
): QuickFix[] {
  const fixes: QuickFix[] = [];
  const unseeded =
    warnings.some(w => w.kind === 'unseeded-rng') ||
    (result?.cells ?? []).some(c => (c.causes ?? []).some(k => k.kind === 'unseeded-rng'));
  if (unseeded && !sources.some(s => /^\s*%repro_seed\b/m.test(s))) {
    fixes.push({
      kind: 'insert-seed',
      seed: DEFAULT_SEED,
      label: `Insert %repro_seed ${DEFAULT_SEED} at the top`
    });
  }
  const kernel = result?.kernel;
  const noKernel =
    (kernel?.substituted ?? false) ||
    (result?.verdict === 'error' &&
      /kernel/i.test(result.message ?? '') &&
      /not installed|no such|no kernel/i.test(result.message ?? ''));
  if (noKernel) {
    const requested = kernel?.requested ?? 'the notebook’s kernel';
    fixes.push({
      kind: 'pick-kernel',
      requested,
      label: `Choose a kernel installed here (${requested} is not)`
    });
  }
  return fixes;
}

/**
 * Where the seed cell goes and what it holds: right after the cell that loads the
 * recorder, so the magic exists; at the very top, loading it, when no cell does.
 */
export function seedCellPlan(
  sources: string[],
  seed = DEFAULT_SEED
): { index: number; source: string } {
  const loads = sources.findIndex(s => /^\s*%(re)?load_ext\s+repro_nb\b/m.test(s));
  if (loads >= 0) {
    return { index: loads + 1, source: `%repro_seed ${seed}` };
  }
  return { index: 0, source: `%load_ext repro_nb\n%repro_seed ${seed}` };
}
