/**
 * The frontend's side of the comm protocol's notebook record (repro_nb/channel.py).
 * A pure function of data, so it is unit-tested without a browser.
 */
import { ICellMessage, INotebookRecord } from './types';

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
  session: INotebookRecord | null,
  message: ICellMessage
): INotebookRecord | null {
  if (message.notebook) {
    return message.notebook;
  }
  if (session && message.notebook_changes) {
    return { ...session, ...message.notebook_changes };
  }
  return null;
}
