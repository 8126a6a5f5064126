/**
 * Is the last check's result still about this notebook? Not once the notebook was
 * saved again or a data file it reads changed on disk after the check started (the
 * check read both as they were then).
 */

/** A second of slack: the server's timestamps are whole seconds. */
const SLACK_MS = 1000;

export interface IModified {
  path: string;
  /** ISO time the file was last modified, or null when unknown. */
  modifiedAt: string | null;
}

/** Why the check result is outdated (empty: it is current). */
export function outdatedReasons(
  checkStartedAt: string | null | undefined,
  notebookModifiedAt: string | null | undefined,
  dataFiles: IModified[] = []
): string[] {
  const started = parse(checkStartedAt);
  if (started === null) {
    return [];
  }
  const after = (when: string | null | undefined) => {
    const time = parse(when);
    return time !== null && time >= started + SLACK_MS;
  };
  const reasons: string[] = [];
  if (after(notebookModifiedAt)) {
    reasons.push('the notebook was saved since');
  }
  const changed = dataFiles.filter(f => after(f.modifiedAt)).map(f => f.path);
  if (changed.length > 0) {
    reasons.push(`${changed.join(', ')} changed since`);
  }
  return reasons;
}

function parse(when: string | null | undefined): number | null {
  if (!when) {
    return null;
  }
  const time = Date.parse(when);
  return Number.isNaN(time) ? null : time;
}

/** "3 min ago", "just now": how long ago a check was made. */
export function ago(when: string | null | undefined, now: number = Date.now()): string {
  const time = parse(when);
  if (time === null) {
    return '';
  }
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 45) {
    return 'just now';
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ago`;
  }
  const hours = Math.round(minutes / 60);
  if (hours < 36) {
    return `${hours} h ago`;
  }
  return `${Math.round(hours / 24)} days ago`;
}
