/**
 * The extension's settings (schema/plugin.json, in the Settings Editor), read with their
 * defaults: a value of the wrong type is ignored, not trusted.
 */

export interface IReproSettings {
  /** Mark cells with warnings and drift in the notebook. */
  markers: boolean;
  /** Check the notebook each time it is saved. */
  checkOnSave: boolean;
  /** Tolerances sent with each check; null: the checker's own ([tool.repro-nb], defaults). */
  rtol: number | null;
  atol: number | null;
  /** Seconds a cell may run in a check; null: the server's default. */
  timeout: number | null;
}

export const DEFAULT_SETTINGS: IReproSettings = {
  markers: true,
  checkOnSave: false,
  rtol: null,
  atol: null,
  timeout: null
};

export function readSettings(
  composite: Record<string, unknown> | null | undefined
): IReproSettings {
  const value = composite ?? {};
  const bool = (key: keyof IReproSettings, fallback: boolean) =>
    typeof value[key] === 'boolean' ? value[key] : fallback;
  const number = (key: keyof IReproSettings, positive: boolean) => {
    const v = value[key];
    return typeof v === 'number' && Number.isFinite(v) && (positive ? v > 0 : v >= 0) ? v : null;
  };
  return {
    markers: bool('markers', DEFAULT_SETTINGS.markers),
    checkOnSave: bool('checkOnSave', DEFAULT_SETTINGS.checkOnSave),
    rtol: number('rtol', false),
    atol: number('atol', false),
    timeout: number('timeout', true)
  };
}
