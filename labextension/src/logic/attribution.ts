/**
 * Proof by re-run (`repro-nb check --attribute`): causes the restored environment
 * confirmed, and the attribution's one-line verdict, for the Drift section.
 */
import type { Cause, NotebookResult } from '../schema/check.js';

/** The category of causes a re-run in the restored environment confirmed. */
export const CONFIRMED_CATEGORY = 'environment-confirmed';

/** Whether a cause was confirmed by re-running in the restored environment. */
export function isConfirmed(cause: Pick<Cause, 'category'>): boolean {
  return cause.category === CONFIRMED_CATEGORY;
}

export interface IAttributionNote {
  outcome: 'confirmed' | 'not-confirmed' | 'not-restored';
  message: string;
  /** `numpy 1.26.4 → 2.4.6` for each distribution found responsible. */
  responsible: string[];
  probes: number;
}

/** The attribution of the last check, or null when the check made none. */
export function attributionNote(result: NotebookResult | null): IAttributionNote | null {
  const attribution = result?.attribution;
  if (!attribution) {
    return null;
  }
  return {
    outcome: attribution.outcome,
    message: attribution.message,
    responsible: attribution.responsible.map(
      c => `${c.distribution} ${c.old ?? '?'} → ${c.new ?? 'not installed'}`
    ),
    probes: attribution.probes
  };
}
