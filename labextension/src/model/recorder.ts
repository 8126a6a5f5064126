/**
 * The connection to the kernel-side recorder: the `repro_nb` comm (repro_nb/channel.py;
 * the messages are comm-v2.schema.json's, typed in ../schema/comm.ts).
 *
 * Opens the comm whenever a kernel is ready. If the kernel has no `repro_nb` target
 * (the recorder is not loaded) the kernel closes the comm at once: the connection says
 * "not recording" and tries again after each executed cell, so `%load_ext repro_nb`
 * in the middle of a session starts recording without a reload.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONObject } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import {
  CellMessage,
  COMM_PROTOCOL,
  COMM_TARGET,
  GetMessage,
  HelloMessage,
  OpenMessage,
  PositionsMessage
} from '../schema/comm';

/** A message of the recorder to the frontend (comm-v2.schema.json). */
export type RecorderMessage = HelloMessage | CellMessage;

export type RecorderState = 'no-kernel' | 'connecting' | 'not-recording' | 'recording' | 'error';

export class RecorderConnection implements IDisposable {
  constructor(
    private readonly sessionContext: ISessionContext,
    private readonly cellIds: () => string[]
  ) {
    sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    sessionContext.statusChanged.connect(this._onStatusChanged, this);
    void sessionContext.ready.then(() => this.connect());
  }

  /** Records from the kernel, as they arrive. */
  get received(): ISignal<this, RecorderMessage> {
    return this._received;
  }

  get stateChanged(): ISignal<this, RecorderState> {
    return this._stateChanged;
  }

  get state(): RecorderState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Open the comm unless one is open or being opened. Called when a kernel is ready,
   * after a restart, and after each executed cell while not recording.
   */
  connect(): void {
    const kernel = this.sessionContext.session?.kernel;
    if (this._disposed) {
      return;
    }
    if (!kernel) {
      this._setState('no-kernel');
      return;
    }
    if (this._comm && !this._comm.isDisposed && this._kernel === kernel) {
      return;
    }
    if (
      kernel.status === 'dead' ||
      kernel.status === 'restarting' ||
      kernel.status === 'autorestarting'
    ) {
      return;
    }
    this._kernel = kernel;
    let comm: Kernel.IComm;
    try {
      comm = kernel.createComm(COMM_TARGET);
    } catch (error) {
      this._fail(error);
      return;
    }
    this._comm = comm;
    if (this._state !== 'recording') {
      this._setState(this._state === 'not-recording' ? 'not-recording' : 'connecting');
    }
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => {
      if (comm !== this._comm) {
        return;
      }
      const data = msg.content.data as unknown as RecorderMessage;
      if (data && (data.type === 'hello' || data.type === 'cell')) {
        this._setState('recording');
        this._received.emit(data);
      }
    };
    comm.onClose = () => {
      if (comm !== this._comm) {
        return;
      }
      // Closed by the kernel: no target registered (recorder not loaded), or
      // `%unload_ext repro_nb`.
      this._comm = null;
      this._setState(kernel.status === 'dead' ? 'no-kernel' : 'not-recording');
    };
    try {
      const open = { protocol: COMM_PROTOCOL, cell_ids: this.cellIds() } satisfies OpenMessage;
      const future = comm.open(open);
      future.done.catch(error => this._fail(error));
    } catch (error) {
      this._fail(error);
    }
  }

  /** Send the notebook's cell order (`positions`) to the recorder. */
  sendPositions(): void {
    this._send({ type: 'positions', cell_ids: this.cellIds() } satisfies PositionsMessage);
  }

  /** Ask the recorder for a fresh `hello`. */
  requestHello(): void {
    this._send({ type: 'get' } satisfies GetMessage);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._drop(true);
    Signal.clearData(this);
  }

  private _send(data: JSONObject): void {
    const comm = this._comm;
    if (!comm || comm.isDisposed || this._state !== 'recording') {
      return;
    }
    try {
      comm.send(data);
    } catch {
      // a kernel going away: kernelChanged/statusChanged will reconnect
    }
  }

  private _drop(close: boolean): void {
    const comm = this._comm;
    this._comm = null;
    if (comm && !comm.isDisposed && close) {
      try {
        comm.close();
      } catch {
        // the kernel is gone already
      }
    }
  }

  private _onKernelChanged(): void {
    this._drop(false);
    this._kernel = null;
    this._setState(this.sessionContext.session?.kernel ? 'connecting' : 'no-kernel');
    this.connect();
  }

  private _onStatusChanged(_: ISessionContext, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      // The recorder dies with the kernel; a fresh kernel has no recorder until
      // `%load_ext` (or IPython config) loads it again.
      this._drop(false);
      this._restarted = true;
      this._setState(status === 'dead' ? 'no-kernel' : 'connecting');
    } else if (status === 'idle' && this._restarted) {
      // Only once per restart: after a refused open the kernel also goes idle, and
      // reconnecting then would loop.
      this._restarted = false;
      this.connect();
    }
  }

  private _fail(error: unknown): void {
    this._comm = null;
    this._error = error instanceof Error ? error.message : String(error);
    this._setState('error');
  }

  private _setState(state: RecorderState): void {
    if (state !== 'error') {
      this._error = null;
    }
    if (state !== this._state) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  private _comm: Kernel.IComm | null = null;
  private _kernel: Kernel.IKernelConnection | null = null;
  private _state: RecorderState = 'connecting';
  private _error: string | null = null;
  private _disposed = false;
  private _restarted = false;
  private _received = new Signal<this, RecorderMessage>(this);
  private _stateChanged = new Signal<this, RecorderState>(this);
}
