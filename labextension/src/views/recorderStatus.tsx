import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { RecorderConnection } from '../model/recorder';

/** One line on the recorder: recording, connecting, not recording, no kernel, or its error. */
export function RecorderStatus(props: {
  recorder: RecorderConnection;
  trans: TranslationBundle;
}): JSX.Element {
  const { recorder, trans } = props;
  const state = recorder.state;
  let text: React.ReactNode;
  switch (state) {
    case 'recording':
      text = trans.__('Recording: each executed cell is added to the record.');
      break;
    case 'connecting':
      text = trans.__('Connecting to the kernel…');
      break;
    case 'not-recording':
      text = (
        <>
          {trans.__('Not recording: run')} <code>%load_ext repro_nb</code>{' '}
          {trans.__('to start recording.')}
        </>
      );
      break;
    case 'no-kernel':
      text = trans.__('No kernel: start one, then run %load_ext repro_nb to record.');
      break;
    case 'error':
      text = `${trans.__('The recorder could not be reached:')} ${recorder.error ?? ''}`;
      break;
  }
  return (
    <div className={`jp-repro-nb-status jp-repro-nb-status-${state}`} data-state={state}>
      <span className="jp-repro-nb-dot" />
      <span>{text}</span>
    </div>
  );
}
