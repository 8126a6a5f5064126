import { TranslationBundle } from '@jupyterlab/translation';

/** What every section of the panel gets: the translations and a way to go to a cell. */
export interface ISectionProps {
  trans: TranslationBundle;
  /** Scroll to the cell at this (current, 0-based) position and select it. */
  onSelectCell: (index: number | null) => void;
}
