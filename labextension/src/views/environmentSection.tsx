import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { Section } from './section';

/** The recorded environment (Python, platform, CPU, GPUs, BLAS, variables), collapsed. */
export function EnvironmentSection(props: {
  rows: [string, string][];
  trans: TranslationBundle;
}): JSX.Element {
  const { rows, trans } = props;
  return (
    <Section title={trans.__('Environment')} name="environment" collapsed>
      <table className="jp-repro-nb-table">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
