import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { QuickFix } from '../logic/quickFixes';
import { IPanelActions } from './props';

/** The fixes the panel can make itself: seed the notebook, choose an installed kernel. */
export function FixesSection(props: {
  fixes: QuickFix[];
  trans: TranslationBundle;
  actions: IPanelActions;
}): JSX.Element | null {
  const { fixes, trans, actions } = props;
  if (fixes.length === 0) {
    return null;
  }
  return (
    <div className="jp-repro-nb-fixes">
      <span className="jp-repro-nb-fixes-label">{trans.__('Quick fix')}</span>
      {fixes.map(fix => (
        <button
          key={fix.kind}
          className={`jp-Button jp-mod-styled jp-repro-nb-fix jp-repro-nb-fix-${fix.kind}`}
          data-fix={fix.kind}
          onClick={() =>
            fix.kind === 'insert-seed' ? actions.insertSeedCell() : actions.pickKernel()
          }
          title={
            fix.kind === 'insert-seed'
              ? trans.__(
                  'Seeds random, NumPy, PyTorch and TensorFlow at once, and records the seed'
                )
              : trans.__('Pick a kernel that is installed here; save, then check again')
          }
        >
          {fix.kind === 'insert-seed' ? (
            // one inline box: a styled button lays its children out as flex items, which
            // would drop the spaces around the code
            <span className="jp-repro-nb-fix-text">
              {trans.__('Insert')} <code>%repro_seed {fix.seed}</code> {trans.__('at the top')}
            </span>
          ) : (
            trans.__('Choose a kernel…')
          )}
        </button>
      ))}
    </div>
  );
}
