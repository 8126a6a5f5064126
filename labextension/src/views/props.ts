import { TranslationBundle } from '@jupyterlab/translation';

/** What every section of the panel gets: the translations and a way to go to a cell. */
export interface ISectionProps {
  trans: TranslationBundle;
  /** Scroll to the cell at this (current, 0-based) position and select it. */
  onSelectCell: (index: number | null) => void;
  /** How the cell at this position is named: `[3] df = pd.read_csv(…`. */
  labelOf?: (index: number) => string;
}

/** What the panel can do besides selecting cells (the plugin provides it). */
export interface IPanelActions {
  /** Open nbdime's diff tab of the last check, at this cell (null: the first drifted). */
  showDiff: (index: number | null) => void;
  downloadReport: (format: 'html' | 'json') => void;
  insertSeedCell: () => void;
  pickKernel: () => void;
}
