import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IPackageItem } from '../logic/packages';
import { Section } from './section';

/** More direct packages than this and the section starts collapsed. */
const OPEN_UP_TO = 12;

/**
 * The packages the cells import themselves, with versions (and the version the check ran
 * with where it differs); those only other packages pulled in are folded below.
 */
export function PackagesSection(props: {
  packages: IPackageItem[];
  trans: TranslationBundle;
}): JSX.Element {
  const { packages, trans } = props;
  const direct = packages.filter(p => p.direct !== false);
  const indirect = packages.filter(p => p.direct === false);
  const moved = indirect.filter(p => p.differs);
  return (
    <Section
      title={trans.__('Packages')}
      count={direct.length}
      caption={trans.__(
        '%1 imported by the cells, %2 pulled in by them',
        direct.length,
        indirect.length
      )}
      name="packages"
      collapsed={direct.length > OPEN_UP_TO}
    >
      <PackageTable packages={[...direct, ...moved]} trans={trans} />
      {indirect.length > 0 && (
        <details className="jp-repro-nb-indirect">
          <summary className="jp-repro-nb-muted">
            {trans.__('%1 more, imported by those packages', indirect.length)}
          </summary>
          <PackageTable packages={indirect} trans={trans} />
        </details>
      )}
    </Section>
  );
}

function PackageTable(props: { packages: IPackageItem[]; trans: TranslationBundle }): JSX.Element {
  const { packages, trans } = props;
  return (
    <table className="jp-repro-nb-table">
      <tbody>
        {packages.map(p => (
          <tr
            key={p.name}
            className={`${p.differs ? 'jp-repro-nb-differs' : ''} jp-repro-nb-package`}
            data-direct={p.direct === null ? 'unknown' : String(p.direct)}
            data-package={p.name}
          >
            <td>
              {p.name}
              {p.direct === true && (
                <span className="jp-repro-nb-direct" title={trans.__('imported by a cell itself')}>
                  {' '}
                  ●
                </span>
              )}
            </td>
            <td>
              {p.version ?? '—'}
              {p.differs && ` → ${p.checkedVersion ?? trans.__('not installed')}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
