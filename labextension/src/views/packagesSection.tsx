import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IPackageItem } from '../logic/packages';
import { Section } from './section';

/** More packages than this and the section starts collapsed. */
const OPEN_UP_TO = 12;

/** The packages imported, with versions; a version the check ran with where it differs. */
export function PackagesSection(props: {
  packages: IPackageItem[];
  trans: TranslationBundle;
}): JSX.Element {
  const { packages, trans } = props;
  return (
    <Section
      title={trans.__('Packages')}
      count={packages.length}
      name="packages"
      collapsed={packages.length > OPEN_UP_TO}
    >
      <table className="jp-repro-nb-table">
        <tbody>
          {packages.map(p => (
            <tr key={p.name} className={p.differs ? 'jp-repro-nb-differs' : ''}>
              <td>{p.name}</td>
              <td>
                {p.version ?? '—'}
                {p.differs && ` → ${p.checkedVersion ?? trans.__('not installed')}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
