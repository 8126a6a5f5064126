import * as React from 'react';

/** The notebook's name; the check's verdict is the summary's (./summarySection.tsx). */
export function Header(props: { title: string }): JSX.Element {
  return (
    <div className="jp-repro-nb-header">
      <h2 className="jp-repro-nb-title" title={props.title}>
        {props.title}
      </h2>
    </div>
  );
}
