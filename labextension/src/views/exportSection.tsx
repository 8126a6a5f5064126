import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { fetchEnvironment, saveFile } from '../model/environmentExport';
import { EnvironmentFormat } from '../model/restApi';

type ExportState = 'idle' | 'exporting' | 'error';

/**
 * "Export environment": the saved notebook's pins (its record's, else inferred from its
 * code) downloaded as requirements.txt or PEP 751 pylock.toml.
 */
export function ExportSection(props: { path: string; trans: TranslationBundle }): JSX.Element {
  const { path, trans } = props;
  const [state, setState] = React.useState<ExportState>('idle');
  const [error, setError] = React.useState<string | null>(null);
  const run = async (format: EnvironmentFormat) => {
    setState('exporting');
    setError(null);
    try {
      saveFile(await fetchEnvironment(path, format));
      setState('idle');
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
      setState('error');
    }
  };
  return (
    <div className="jp-repro-nb-export" data-export-state={state}>
      <span className="jp-repro-nb-export-label">{trans.__('Export environment')}</span>
      <button
        className="jp-Button jp-mod-styled jp-repro-nb-export-requirements"
        disabled={state === 'exporting'}
        onClick={() => void run('requirements')}
        title={trans.__('Exact pins of what the notebook imported, as requirements.txt')}
      >
        requirements.txt
      </button>
      <button
        className="jp-Button jp-mod-styled jp-repro-nb-export-pylock"
        disabled={state === 'exporting'}
        onClick={() => void run('pylock')}
        title={trans.__('The same pins as a PEP 751 lock file, with file hashes')}
      >
        pylock.toml
      </button>
      {state === 'exporting' && <span className="jp-repro-nb-muted">{trans.__('Exporting…')}</span>}
      {error && <p className="jp-repro-nb-error">{error}</p>}
    </div>
  );
}
