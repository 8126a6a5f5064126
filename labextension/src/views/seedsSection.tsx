import * as React from 'react';
import { ISeedItem, seedText } from '../logic/seeds';
import { CellLink } from './cellLink';
import { ISectionProps } from './props';
import { Section } from './section';

/** The seeds set: the library each seeded, the call that did, and its cell. */
export function SeedsSection(props: ISectionProps & { seeds: ISeedItem[] }): JSX.Element {
  const { seeds, trans } = props;
  return (
    <Section title={trans.__('Seeds')} count={seeds.length} name="seeds">
      {seeds.length === 0 ? (
        <p className="jp-repro-nb-none">{trans.__('No seed set.')}</p>
      ) : (
        <ul className="jp-repro-nb-list">
          {seeds.map((s, i) => {
            const { library, call } = seedText(s);
            return (
              <li key={i} className="jp-repro-nb-item jp-repro-nb-seed-item" data-library={library}>
                <span className="jp-repro-nb-badge jp-repro-nb-library">{library}</span>
                <code>{call}</code>
                <CellLink {...props} index={s.cellIndex} />
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}
