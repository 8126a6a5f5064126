import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { diffLineClass } from '../logic/format';
import { OutputDiff } from '../schema/check';

/** How many lines of a unified diff are shown before "… N more lines". */
const MAX_DIFF_LINES = 40;
/** How many changed numbers are listed. */
const MAX_NUMBERS = 12;

/** One output difference: changed numbers, pixels, or the unified diff of the texts. */
export function OutputDiffView(props: { diff: OutputDiff; trans: TranslationBundle }): JSX.Element {
  const { diff, trans } = props;
  // the hunk headers are for tools; the panel shows the changed lines and their context
  const lines = (diff.unified_diff ?? []).filter(
    line => !line.startsWith('---') && !line.startsWith('+++') && !line.startsWith('@@')
  );
  const numbers = diff.numbers_changed ?? [];
  const fraction = typeof diff.pixel_fraction === 'number' ? diff.pixel_fraction : null;
  return (
    <div className="jp-repro-nb-diff" data-kind={diff.kind}>
      <div className="jp-repro-nb-diff-head">
        {diff.kind}
        {diff.mime && <code>{diff.mime}</code>}
        {diff.output_index !== null && (
          <span className="jp-repro-nb-muted">{trans.__('output %1', diff.output_index + 1)}</span>
        )}
      </div>
      {numbers.length > 0 && (
        <table className="jp-repro-nb-table jp-repro-nb-numbers">
          <tbody>
            {numbers.slice(0, MAX_NUMBERS).map(([a, b], i) => (
              <tr key={i}>
                <td className="jp-repro-nb-old">{a}</td>
                <td>→</td>
                <td className="jp-repro-nb-new">{b}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {fraction !== null && (
        <p className="jp-repro-nb-note">
          {trans.__('%1% of the pixels differ', (fraction * 100).toPrecision(3))}
        </p>
      )}
      {typeof diff.max_abs_diff === 'number' && numbers.length === 0 && (
        <p className="jp-repro-nb-note">
          {trans.__('largest difference %1', diff.max_abs_diff.toPrecision(4))}
        </p>
      )}
      {diff.note && <p className="jp-repro-nb-note">{diff.note}</p>}
      {lines.length > 0 && (
        <pre className="jp-repro-nb-unified">
          {lines.slice(0, MAX_DIFF_LINES).map((line, i) => (
            <div key={i} className={diffLineClass(line)}>
              {line.replace(/\n$/, '')}
            </div>
          ))}
          {lines.length > MAX_DIFF_LINES && (
            <div className="jp-repro-nb-muted">
              {trans.__('… %1 more lines', lines.length - MAX_DIFF_LINES)}
            </div>
          )}
        </pre>
      )}
      {lines.length === 0 &&
        numbers.length === 0 &&
        fraction === null &&
        (diff.expected || diff.actual) && (
          <pre className="jp-repro-nb-unified">
            <div className="jp-repro-nb-del">- {diff.expected}</div>
            <div className="jp-repro-nb-add">+ {diff.actual}</div>
          </pre>
        )}
    </div>
  );
}
