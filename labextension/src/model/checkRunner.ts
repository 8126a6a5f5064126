/**
 * A check of one notebook through the server extension (docs/rest-api.md): start it,
 * follow its progress, cancel it, and keep the last finished one.
 *
 * The server re-executes the *saved* file; nothing here saves. A 409 means a check of
 * this notebook is already running (another tab started it): we attach to it.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { IDisposable } from '@lumino/disposable';
import { ApiError, requestAPI } from './request';
import { ICheck } from './restApi';

/** How often a running check is polled, in ms. */
const POLL_MS = 400;

export class CheckRunner implements IDisposable {
  constructor(private _path: string) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The running check, or the last one that finished (done, failed or cancelled). */
  get check(): ICheck | null {
    return this._check;
  }

  /** The last finished check with a result (kept while a new one runs). */
  get lastResult(): ICheck | null {
    return this._lastResult;
  }

  get running(): boolean {
    return this._starting || this._check?.state === 'running';
  }

  /** An error to show: the server refused, or could not be reached. */
  get error(): string | null {
    return this._error;
  }

  get path(): string {
    return this._path;
  }

  set path(value: string) {
    if (value !== this._path) {
      this._path = value;
      this._stopPolling();
      this._check = null;
      this._lastResult = null;
      this._emit();
      void this.restore();
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Pick up what the server knows about this notebook: the newest check (a running
   * one is followed). Silent when the server extension is absent.
   */
  async restore(): Promise<void> {
    try {
      const answer = await requestAPI<{ checks: ICheck[] }>(
        `checks?path=${encodeURIComponent(this._path)}`
      );
      const newest = answer?.checks?.[0];
      if (newest && !this._check && !this._disposed) {
        this._adopt(newest);
      }
    } catch {
      // no server extension, or an older one: the panel still shows the record
    }
  }

  /** Start a check of the saved notebook (or attach to the one running). */
  async start(timeout?: number): Promise<void> {
    if (this.running) {
      return;
    }
    this._starting = true;
    this._error = null;
    this._emit();
    try {
      const body: Record<string, unknown> = { path: this._path };
      if (timeout) {
        body.timeout = timeout;
      }
      const check = await requestAPI<ICheck>('checks', {
        method: 'POST',
        body: JSON.stringify(body)
      });
      this._starting = false;
      this._adopt(check);
    } catch (error) {
      this._starting = false;
      if (error instanceof ApiError && error.status === 409 && error.body?.check) {
        this._adopt(error.body.check as ICheck);
      } else {
        this._error = messageOf(error);
        this._emit();
      }
    }
  }

  /** Cancel the running check (DELETE): the server kills its process and kernel. */
  async cancel(): Promise<void> {
    const check = this._check;
    if (!check || check.state !== 'running') {
      return;
    }
    try {
      const answer = await requestAPI<ICheck>(`checks/${encodeURIComponent(check.id)}`, {
        method: 'DELETE'
      });
      this._adopt(answer);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        await this._poll(); // it finished meanwhile
      } else {
        this._error = messageOf(error);
        this._emit();
      }
    }
  }

  dismissError(): void {
    this._error = null;
    this._emit();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._stopPolling();
    Signal.clearData(this);
  }

  private _adopt(check: ICheck): void {
    if (this._disposed) {
      return;
    }
    this._check = check;
    if (check.state === 'done' && check.result) {
      this._lastResult = check;
    }
    this._emit();
    if (check.state === 'running') {
      this._schedule();
    } else {
      this._stopPolling();
    }
  }

  private _schedule(): void {
    this._stopPolling();
    this._timer = window.setTimeout(() => void this._poll(), POLL_MS);
  }

  private async _poll(): Promise<void> {
    const check = this._check;
    if (!check || this._disposed) {
      return;
    }
    try {
      const fresh = await requestAPI<ICheck>(`checks/${encodeURIComponent(check.id)}`);
      if (this._check?.id === fresh.id) {
        this._adopt(fresh);
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // the server restarted and forgot the check
        this._check = null;
        this._error = 'the check is no longer known to the server (was it restarted?)';
        this._emit();
      } else {
        this._schedule(); // a blip: try again
      }
    }
  }

  private _stopPolling(): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _check: ICheck | null = null;
  private _lastResult: ICheck | null = null;
  private _starting = false;
  private _error: string | null = null;
  private _timer: number | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
