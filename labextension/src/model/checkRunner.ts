/**
 * A check of one notebook through the server extension (docs/rest-api.md): start it,
 * follow its progress, cancel it, and keep the last finished one.
 *
 * The server re-executes the *saved* file; nothing here saves. A 409 means a check of
 * this notebook is already queued or running (another tab started it): we attach to it.
 * A 429 means the server's line of checks is full: its message is shown as the error.
 *
 * An active check (queued or running) is followed by a `Poll`: it ticks until the check
 * ends; a failed request (a network blip) makes it back off and try again.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { isActive } from '../logic/checkStatus';
import { ApiError, requestAPI } from './request';
import { endpoints, ICheck, ICheckList, ICheckRequest } from './restApi';

/** How often a running check is polled, in ms (the interval grows after errors). */
const POLL_MS = 400;
/** The longest wait between two polls while the server does not answer, in ms. */
const POLL_MAX_MS = 30_000;

export class CheckRunner implements IDisposable {
  constructor(private _path: string) {
    this._poll = new Poll({
      auto: false,
      factory: () => this._follow(),
      frequency: { interval: POLL_MS, backoff: true, max: POLL_MAX_MS },
      name: 'repro-nb:check',
      standby: 'when-hidden'
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The active check (queued or running), or the last one that finished. */
  get check(): ICheck | null {
    return this._check;
  }

  /** The last finished check with a result (kept while a new one runs). */
  get lastResult(): ICheck | null {
    return this._lastResult;
  }

  /** A check was requested, or is queued or running. */
  get running(): boolean {
    return this._starting || isActive(this._check);
  }

  /** The request for a check is on its way (no answer yet). */
  get starting(): boolean {
    return this._starting;
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
      void this._poll.stop();
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
      const answer = await requestAPI<ICheckList>(endpoints.checksOf(this._path));
      const newest = answer?.checks?.[0];
      if (newest && !this._check && !this._disposed) {
        this._adopt(newest);
      }
    } catch {
      // no server extension, or an older one: the panel still shows the record
    }
  }

  /**
   * Start a check of the saved notebook (or attach to the one running); `attribute`:
   * prove environment causes by re-running in the restored recorded environment.
   */
  async start(
    timeout?: number,
    attribute = false,
    tolerance: { rtol?: number | null; atol?: number | null } = {}
  ): Promise<void> {
    if (this.running) {
      return;
    }
    this._starting = true;
    this._error = null;
    this._emit();
    try {
      const body: ICheckRequest = { path: this._path };
      if (timeout) {
        body.timeout = timeout;
      }
      if (attribute) {
        body.attribute = true;
      }
      if (typeof tolerance.rtol === 'number') {
        body.rtol = tolerance.rtol;
      }
      if (typeof tolerance.atol === 'number') {
        body.atol = tolerance.atol;
      }
      const check = await requestAPI<ICheck>(endpoints.checks, {
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

  /** Cancel the active check (DELETE): it leaves the line, or its process and kernel are killed. */
  async cancel(): Promise<void> {
    const check = this._check;
    if (!check || !isActive(check)) {
      return;
    }
    try {
      const answer = await requestAPI<ICheck>(endpoints.check(check.id), { method: 'DELETE' });
      this._adopt(answer);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // it finished meanwhile: poll now, and wait for the answer
        await this._poll.refresh();
        await this._poll.tick;
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
    this._poll.dispose();
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
    if (isActive(check)) {
      void this._poll.start();
    } else {
      void this._poll.stop();
    }
  }

  /**
   * One tick of the poll: fetch the active check. Rejects on a failed request, which
   * makes the poll back off; a check the server no longer knows ends the polling.
   */
  private async _follow(): Promise<void> {
    const check = this._check;
    if (!check || !isActive(check) || this._disposed) {
      void this._poll.stop();
      return;
    }
    try {
      const fresh = await requestAPI<ICheck>(endpoints.check(check.id));
      if (this._check?.id === fresh.id) {
        this._adopt(fresh);
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) {
        throw error; // a blip: the poll tries again, later
      }
      // the server restarted and forgot the check
      void this._poll.stop();
      this._check = null;
      this._error = 'the check is no longer known to the server (was it restarted?)';
      this._emit();
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
  private _disposed = false;
  private readonly _poll: Poll;
  private _changed = new Signal<this, void>(this);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
