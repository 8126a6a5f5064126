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
  const text = await response.text();
  let body: any = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const message =
      body && typeof body.message === 'string' && body.message
        ? body.message
        : response.status === 404 && !body
          ? 'the repro-nb server extension is not enabled on this Jupyter server'
          : `${response.status} ${response.statusText}`;
    throw new ApiError(
      message,
      response.status,
      body && typeof body.reason === 'string' ? body.reason : null,
      body
    );
  }
  return body as T;
}
