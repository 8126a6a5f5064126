/**
 * The status-bar item: one glance at the current notebook — "● recording", and after a
 * check "drifted 3" / "reproduced" / "failed 1".
 */
import type { NotebookResult } from '../schema/check.js';

export interface IStatusText {
  text: string;
  /** For the CSS: the dot's colour. */
  tone: 'ok' | 'warn' | 'error' | 'idle';
  title: string;
}

export function statusText(
  recorder: string,
  result: NotebookResult | null,
  running: boolean,
  outdated = false
): IStatusText {
  const parts: string[] = [];
  const titles: string[] = [];
  let tone: IStatusText['tone'] = 'idle';
  if (recorder === 'recording') {
    parts.push('● recording');
    titles.push('repro-nb is recording this notebook');
    tone = 'ok';
  } else {
    titles.push('repro-nb is not recording this notebook');
  }
  if (running) {
    parts.push('checking…');
  } else if (result) {
    const bad = result.cells.filter(c => c.status === 'drifted' || c.status === 'failed');
    const failed = bad.filter(c => c.status === 'failed').length;
    if (result.verdict === 'reproduced') {
      parts.push('reproduced');
    } else if (result.verdict === 'error') {
      parts.push('check error');
      tone = 'error';
    } else {
      parts.push(failed > 0 ? `${result.verdict} ${bad.length}` : `drifted ${bad.length}`);
      tone = failed > 0 ? 'error' : 'warn';
    }
    if (outdated) {
      parts.push('(outdated)');
    }
    titles.push(`last check: ${result.message || result.verdict}`);
  }
  if (parts.length === 0) {
    parts.push('repro-nb');
  }
  titles.push('Click to open the Reproducibility panel');
  return { text: parts.join(' · '), tone, title: titles.join('\n') };
}
