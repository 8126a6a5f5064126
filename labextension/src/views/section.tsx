import * as React from 'react';

/** A collapsible section of the panel (`jp-repro-nb-section-<name>`) with an optional count. */
export function Section(props: {
  title: string;
  name: string;
  count?: number;
  collapsed?: boolean;
  /** The summary's tooltip. */
  caption?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <details
      className={`jp-repro-nb-section jp-repro-nb-section-${props.name}`}
      open={!props.collapsed}
    >
      <summary title={props.caption}>
        {props.title}
        {props.count !== undefined && <span className="jp-repro-nb-count">{props.count}</span>}
      </summary>
      {props.children}
    </details>
  );
}
