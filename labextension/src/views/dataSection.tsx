import * as React from 'react';
import { IDataItem } from '../logic/dataFiles';
import { shortHash } from '../logic/format';
import { CellLink } from './cellLink';
import { ISectionProps } from './props';
import { Section } from './section';

/**
 * The data files read or written: their state (as they are on disk now when the server
 * could look), short hash (→ the new one), and the cell that read them.
 */
export function DataSection(props: ISectionProps & { data: IDataItem[] }): JSX.Element {
  const { data, trans } = props;
  return (
    <Section title={trans.__('Data files')} count={data.length} name="data">
      {data.length === 0 ? (
        <p className="jp-repro-nb-none">{trans.__('No data file read or written.')}</p>
      ) : (
        <ul className="jp-repro-nb-list">
          {data.map((d, i) => (
            <DataView key={i} {...props} data={d} />
          ))}
        </ul>
      )}
    </Section>
  );
}

function DataView(props: ISectionProps & { data: IDataItem }): JSX.Element {
  const { data, trans } = props;
  const title = data.live
    ? trans.__(
        'As the file is on disk now%1',
        data.modifiedAt ? ` (modified ${new Date(data.modifiedAt).toLocaleString()})` : ''
      )
    : (data.reason ?? trans.__('As the record (or the last check) says'));
  return (
    <li
      className="jp-repro-nb-item jp-repro-nb-data-item"
      data-state={data.state}
      data-live={data.live ? 'true' : 'false'}
      data-path={data.path}
    >
      <span className={`jp-repro-nb-badge jp-repro-nb-data-${data.state}`} title={title}>
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
      <CellLink {...props} index={data.cellIndex} />
    </li>
  );
}
