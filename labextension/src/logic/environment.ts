/**
 * The environment rows the panel shows (label, value), from the notebook record.
 * The record's environment parts are free-form objects: every field is read as maybe
 * missing.
 */
import type { NotebookRecord } from '../schema/record.js';

export function environmentRows(notebook: NotebookRecord | null): [string, string][] {
  const env = notebook?.environment;
  if (!env) {
    return [];
  }
  const rows: [string, string][] = [];
  const py = env.python;
  if (py) {
    rows.push([
      'Python',
      [py.implementation, py.version].filter(Boolean).join(' ') +
        (py.in_virtualenv ? ' (virtualenv)' : '')
    ]);
  }
  const platform = env.platform;
  if (platform) {
    rows.push([
      'Platform',
      [platform.os ?? platform.system, platform.machine].filter(Boolean).join(', ')
    ]);
  }
  const cpu = env.cpu;
  if (cpu) {
    rows.push([
      'CPU',
      [cpu.model, cpu.count ? `${String(cpu.count)} cores` : null].filter(Boolean).join(', ')
    ]);
  }
  if (env.gpus && env.gpus.length > 0) {
    rows.push(['GPUs', env.gpus.map(describe).join('; ')]);
  }
  if (env.blas && env.blas.length > 0) {
    rows.push(['BLAS', env.blas.map(describe).join('; ')]);
  }
  for (const [name, value] of Object.entries(env.env ?? {})) {
    rows.push([name, value]);
  }
  if (notebook?.recorder?.version) {
    rows.push(['Recorder', `repro-nb ${notebook.recorder.version}`]);
  }
  return rows;
}

/** A GPU or BLAS entry in one line: its name, version and threads where known. */
function describe(value: unknown): string {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const name = v.name ?? v.internal_api ?? v.user_api ?? v.filepath;
    const threads = v.num_threads ? `${String(v.num_threads)} threads` : null;
    return [name, v.version, threads].filter(Boolean).join(' ');
  }
  return String(value);
}
