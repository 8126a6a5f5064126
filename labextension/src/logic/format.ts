/**
 * Small text rules of the panel: how a hash is shortened, how a unified-diff line is
 * classed.
 */

/** `blake3:af13c2…` → `blake3:af13c29e10`. */
export function shortHash(hash: string | null | undefined, length = 10): string | null {
  if (!hash) {
    return null;
  }
  const [algorithm, hex] = hash.includes(':') ? hash.split(':', 2) : ['', hash];
  return algorithm ? `${algorithm}:${hex.slice(0, length)}` : hex.slice(0, length);
}

/** The CSS class of one line of a unified diff: header, hunk, added, deleted or none. */
export function diffLineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) {
    return 'jp-repro-nb-meta';
  }
  if (line.startsWith('@@')) {
    return 'jp-repro-nb-hunk';
  }
  if (line.startsWith('+')) {
    return 'jp-repro-nb-add';
  }
  if (line.startsWith('-')) {
    return 'jp-repro-nb-del';
  }
  return '';
}
