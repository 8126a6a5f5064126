/**
 * The five-star rating (Code, Configuration, Data, Environment, Evaluation) of the
 * reproducibility report, when one exists (`repro-nb report`, issue 12). A slot: the
 * panel shows the stars when a result carries a report and nothing otherwise — no
 * placeholder. Read defensively: the report's schema is not this extension's.
 */

export interface IStar {
  name: string;
  earned: boolean;
  /** What to do to earn it, when not earned. */
  next?: string;
}

/** The stars of `value.report.stars` (or `value.stars`), or null when there are none. */
export function starsOf(value: unknown): IStar[] | null {
  if (!value || typeof value !== 'object') {
    return null;
  }
  const holder = value as Record<string, unknown>;
  const report = holder.report && typeof holder.report === 'object' ? holder.report : holder;
  const stars = (report as Record<string, unknown>).stars;
  if (!Array.isArray(stars) || stars.length === 0) {
    return null;
  }
  const read: IStar[] = [];
  for (const star of stars) {
    if (star && typeof star === 'object' && typeof (star as IStar).name === 'string') {
      const s = star as Record<string, unknown>;
      read.push({
        name: String(s.name),
        earned: s.earned === true,
        next: typeof s.next === 'string' ? s.next : undefined
      });
    }
  }
  return read.length > 0 ? read : null;
}
