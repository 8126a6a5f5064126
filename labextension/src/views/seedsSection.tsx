import * as React from 'react';
import { ISeedItem } from '../logic/seeds';
import { CellLink } from './cellLink';
import { ISectionProps } from './props';
import { Section } from './section';

/** The seeds set, each with the call that set it and its cell. */
export function SeedsSection(props: ISectionProps & { seeds: ISeedItem[] }): JSX.Element {
  const { seeds, trans, onSelectCell } = props;
  return (
    <Section title={trans.__('Seeds')} count={seeds.length} name="seeds">
      {seeds.length === 0 ? (
        <p className="jp-repro-nb-none">{trans.__('No seed set.')}</p>
      ) : (
        <ul className="jp-repro-nb-list">
          {seeds.map((s, i) => (
            <li key={i} className="jp-repro-nb-item">
              <code>{s.api}</code> = <code>{String(s.value)}</code>
              <CellLink index={s.cellIndex} trans={trans} onSelectCell={onSelectCell} />
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
