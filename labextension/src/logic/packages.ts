/**
 * The packages the panel lists: the record's, with the version the last check ran
 * with where it differs.
 */
import type { NotebookResult } from '../schema/check.js';
import type { NotebookRecord } from '../schema/record.js';

export interface IPackageItem {
  name: string;
  version: string | null;
  /** The version the last check ran with, when it differs from the record. */
  checkedVersion?: string | null;
  differs: boolean;
}

export function packageItems(
  notebook: NotebookRecord | null,
  result: NotebookResult | null
): IPackageItem[] {
  const checked = new Map((result?.packages ?? []).map(p => [p.distribution, p]));
  return Object.entries(notebook?.packages ?? {})
    .map(([name, version]) => {
      const check = checked.get(name);
      const differs = !!check && check.old !== check.new;
      return { name, version, checkedVersion: differs ? check.new : undefined, differs };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
