/**
 * One way to name a cell everywhere (repro_nb/format/cellname.py has the same rules):
 * the execution prompt as the notebook shows it, `[3]` (`[ ]` never run), then the start
 * of the first line that says what the cell does: `[3] df = pd.read_csv('data/sale…`.
 */

/** Characters of source after the prompt; longer lines end with "…". */
export const SNIPPET_CHARS = 28;

/** `[3]`, or `[ ]` for a cell that never ran. */
export function prompt(executionCount: number | null | undefined): string {
  return typeof executionCount === 'number' ? `[${executionCount}]` : '[ ]';
}

/**
 * The first line that says what the cell does: comments, magics and imports are passed
 * over when there is something else. `code: false` (markdown) takes the first line.
 */
export function snippet(source: string, width = SNIPPET_CHARS, code = true): string {
  const lines = source
    .split('\n')
    .map(l => l.trim())
    .filter(l => l.length > 0);
  if (lines.length === 0) {
    return '';
  }
  const statements = code ? lines.filter(l => !/^[#%!]/.test(l)) : lines;
  const chosen =
    (code ? statements.find(l => !/^(import|from) /.test(l)) : undefined) ??
    statements[0] ??
    lines[0];
  const text = chosen.split(/\s+/).join(' ');
  return text.length <= width ? text : `${text.slice(0, width - 1).trimEnd()}…`;
}

/** `[3] df = pd.read_csv(…`; `[3]` without source; `cell 7` (1-based) with neither. */
export function cellLabel(
  executionCount: number | null | undefined,
  source?: string | null,
  index?: number | null,
  cellType = 'code'
): string {
  if (cellType !== 'code') {
    return snippet(source ?? '', SNIPPET_CHARS, false) || `cell ${(index ?? 0) + 1}`;
  }
  const text = source ? snippet(source) : '';
  if (typeof executionCount !== 'number' && !text && typeof index === 'number') {
    return `cell ${index + 1}`;
  }
  return text ? `${prompt(executionCount)} ${text}` : prompt(executionCount);
}
