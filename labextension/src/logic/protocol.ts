/**
 * The frontend's side of the comm protocol's notebook record (comm-v2.schema.json).
 * A pure function of data, so it is unit-tested without a browser.
 */
import type { CellMessage } from '../schema/comm.js';
import type { NotebookRecord } from '../schema/record.js';

/**
 * The kernel session's notebook record after a `cell` message.
 *
 * A kernel speaking protocol 1 sends the whole record; protocol 2 sends the fields that
 * changed since its previous cell message, each whole, to merge into the record of the
 * last `hello` and the changes since. `null` when the message has changes but there is
 * nothing to merge them into: the caller must ask for a fresh `hello`, not write a
 * partial record.
 */
export function sessionRecordAfter(
  session: NotebookRecord | null,
  message: CellMessage
): NotebookRecord | null {
  if (message.notebook) {
    return message.notebook;
  }
  if (session && message.notebook_changes) {
    // each change is a whole top-level field of the notebook record (the schema says so)
    return { ...session, ...message.notebook_changes };
  }
  return null;
}
