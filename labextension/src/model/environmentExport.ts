/**
 * "Export environment": the notebook's pinned environment from the server extension
 * (`GET /repro-nb/environment`, which runs `repro-nb env export`), saved by the browser.
 */
import { requestAPI } from './request';
import { EnvironmentFormat, IEnvironmentExport, endpoints } from './restApi';

/** The saved notebook's environment as `format`; rejects with the server's ApiError. */
export function fetchEnvironment(
  path: string,
  format: EnvironmentFormat
): Promise<IEnvironmentExport> {
  return requestAPI<IEnvironmentExport>(endpoints.environment(path, format));
}

/** Hand the file to the browser's download (a Blob behind a temporary link). */
export function saveFile(file: IEnvironmentExport, doc: Document = document): void {
  const type = file.format === 'pylock' ? 'application/toml' : 'text/plain';
  const url = URL.createObjectURL(new Blob([file.content], { type: `${type};charset=utf-8` }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.style.display = 'none';
  doc.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
