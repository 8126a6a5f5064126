/**
 * "Download report (HTML / JSON)": the report the checker wrote for the last check
 * (`GET checks/ID/report`), saved by the browser.
 */
import { requestFile } from './request';
import { endpoints, ReportFormat } from './restApi';

export async function downloadReport(checkId: string, format: ReportFormat): Promise<void> {
  const file = await requestFile(endpoints.report(checkId, format));
  saveBlob(file.content, file.filename, file.type);
}

/** Hand text to the browser's download (a Blob behind a temporary link). */
export function saveBlob(
  content: string,
  filename: string,
  type: string,
  doc: Document = document
): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  doc.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
