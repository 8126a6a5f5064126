import * as React from 'react';
import { IDataItem } from '../logic/dataFiles';
import { shortHash } from '../logic/format';
import { CellLink } from './cellLink';
import { ISectionProps } from './props';
import { Section } from './section';

/** The data files read or written: state, short hash (→ the check's), and the cell. */
export function DataSection(props: ISectionProps & { data: IDataItem[] }): JSX.Element {
  const { data, trans, onSelectCell } = props;
  return (
    <Section title={trans.__('Data files')} count={data.length} name="data">
      {data.length === 0 ? (
        <p className="jp-repro-nb-none">{trans.__('No data file read or written.')}</p>
      ) : (
        <ul className="jp-repro-nb-list">
          {data.map((d, i) => (
            <DataView key={i} data={d} trans={trans} onSelectCell={onSelectCell} />
          ))}
        </ul>
      )}
    </Section>
  );
}

function DataView(props: ISectionProps & { data: IDataItem }): JSX.Element {
  const { data, trans, onSelectCell } = props;
  return (
    <li
      className="jp-repro-nb-item jp-repro-nb-data-item"
      data-state={data.state}
      data-path={data.path}
    >
      <span className={`jp-repro-nb-badge jp-repro-nb-data-${data.state}`}>
        {trans.__(data.state)}
      </span>
      <code className="jp-repro-nb-path" title={data.path}>
        {data.path}
      </code>
      {data.written && <span className="jp-repro-nb-muted">{trans.__('written')}</span>}
      <span className="jp-repro-nb-hash" title={data.hash ?? ''}>
        {shortHash(data.hash) ?? '—'}
        {data.newHash && ` → ${shortHash(data.newHash)}`}
      </span>
      <CellLink index={data.cellIndex} trans={trans} onSelectCell={onSelectCell} />
    </li>
  );
}
