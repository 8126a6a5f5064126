/**
 * What "high", "medium" and "low" mean (docs/causes.md), for the tooltip on a cause's
 * confidence: a reader must not have to guess how sure the checker is, or why.
 */
import type { Cause } from '../schema/check.js';

export const CONFIDENCE_MEANING: Record<Cause['confidence'], string> = {
  high: 'High confidence: the record or the re-run shows it for this cell (the file it read has another hash, its source changed, the module it needs is missing, the name it lacks is defined only later).',
  medium:
    'Medium confidence: the evidence is there but indirect (an earlier cell’s dependency changed, a package the cell imports changed version, a version signature matches the output).',
  low: 'Low confidence: consistent with the evidence, not shown to matter (a package the cell does not import changed, a minor environment difference, only the code suggests it).'
};

/** The tooltip of a cause's confidence badge: what the level means, then the evidence. */
export function confidenceTooltip(cause: Pick<Cause, 'confidence' | 'evidence'>): string {
  const evidence = cause.evidence ?? [];
  const lines = [CONFIDENCE_MEANING[cause.confidence] ?? cause.confidence];
  if (evidence.length > 0) {
    lines.push('', 'Evidence:', ...evidence.map(e => `• ${e}`));
  }
  return lines.join('\n');
}
