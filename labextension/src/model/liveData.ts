/**
 * The notebook's data files as they are on disk now (`POST /repro-nb/data`): asked for
 * when the notebook is opened, gains focus or is saved, so a file edited in another
 * program shows "changed" without waiting for a check. Requests are gathered (one at a
 * time, the last wins) and failures are silent: the record's state is shown instead.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { ILiveDataState } from '../logic/dataFiles';
import { requestAPI } from './request';
import { endpoints, IDataStates } from './restApi';

/** Focus events within this many ms are one refresh. */
const GATHER_MS = 250;

export type DataQuery = { path: string; hash: string | null; size?: number | null }[];

export class LiveData implements IDisposable {
  constructor(
    private readonly notebookPath: () => string,
    private readonly query: () => DataQuery
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get states(): ILiveDataState[] {
    return this._states;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Look at the files again, soon (gathers calls that come together). */
  refresh(): void {
    if (this._disposed) {
      return;
    }
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => void this._fetch(), GATHER_MS);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.clearTimeout(this._timer);
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    const files = this.query();
    if (files.length === 0) {
      if (this._states.length > 0) {
        this._states = [];
        this._changed.emit();
      }
      return;
    }
    const ticket = ++this._ticket;
    try {
      const answer = await requestAPI<IDataStates>(endpoints.data, {
        method: 'POST',
        body: JSON.stringify({ path: this.notebookPath(), files })
      });
      if (this._disposed || ticket !== this._ticket) {
        return;
      }
      const next = answer.files ?? [];
      if (JSON.stringify(next) !== JSON.stringify(this._states)) {
        this._states = next;
        this._changed.emit();
      }
    } catch {
      // no server extension, or the notebook is not saved yet: the record's state stands
    }
  }

  private _states: ILiveDataState[] = [];
  private _timer = 0;
  private _ticket = 0;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
