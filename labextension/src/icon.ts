import { LabIcon } from '@jupyterlab/ui-components';

/** A check mark in a circle: the panel's tab icon. */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16z"/>
    <path d="M10.3 15.6 6.7 12l1.4-1.4 2.2 2.2 5.6-5.6 1.4 1.4z"/>
  </g>
</svg>`;

export const reproIcon = new LabIcon({ name: 'repro-nb:panel', svgstr: svg });
