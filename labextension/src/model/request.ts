/**
 * The typed request helper for the repro-nb server extension (docs/rest-api.md).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * An error answer of the server extension: `{"message", "reason"}` with the status.
 * `body` keeps the whole answer (a 409 carries the running check).
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | null,
    readonly body: Record<string, unknown> | null
  ) {
    super(message);
  }
}

/**
 * Call the repro-nb server extension under `<base url>/repro-nb/<endpoint>`.
 *
 * Uses ServerConnection.makeRequest, which sends the token and the XSRF cookie the
 * server's APIHandler insists on. Errors become an ApiError whose message is the
 * server's `message`, which the panel shows as is.
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, 'repro-nb', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(
      `the Jupyter server could not be reached: ${String(error)}`,
      0,
      'network',
      null
    );
  }
  const body = parseBody(await response.text());
  if (!response.ok) {
    const object = body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
    const message =
      typeof object?.message === 'string' && object.message
        ? object.message
        : response.status === 404 && !body
          ? 'the repro-nb server extension is not enabled on this Jupyter server'
          : `${response.status} ${response.statusText}`;
    const reason = typeof object?.reason === 'string' ? object.reason : null;
    throw new ApiError(message, response.status, reason, object);
  }
  return body as T;
}

/** The answer's JSON, or null when it is empty or not JSON. */
function parseBody(text: string): unknown {
  if (text.length === 0) {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** A file the server extension answers (a report to download): its text and its name. */
export interface IDownload {
  content: string;
  filename: string;
  type: string;
}

/** GET a file under `<base url>/repro-nb/<endpoint>`; errors as for `requestAPI`. */
export async function requestFile(
  endpoint: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<IDownload> {
  const url = URLExt.join(settings.baseUrl, 'repro-nb', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, settings);
  } catch (error) {
    throw new ApiError(
      `the Jupyter server could not be reached: ${String(error)}`,
      0,
      'network',
      null
    );
  }
  const text = await response.text();
  if (!response.ok) {
    const body = parseBody(text);
    const object = body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
    const message =
      typeof object?.message === 'string'
        ? object.message
        : `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, String(object?.reason ?? ''), object);
  }
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const match = /filename="([^"]+)"/.exec(disposition);
  return {
    content: text,
    filename: match ? match[1] : 'report',
    type: response.headers.get('Content-Type') ?? 'application/octet-stream'
  };
}
