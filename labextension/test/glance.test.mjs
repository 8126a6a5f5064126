// Unit tests of the panel's summary-first logic (src/logic/causeGroups.ts, cellName.ts,
// confidence.ts, counts.ts, outdated.ts, quickFixes.ts, settings.ts, stars.ts,
// statusItem.ts; compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causeGroups, primaryCauses } from '../lib/logic/causeGroups.js';
import { cellLabel, prompt, snippet } from '../lib/logic/cellName.js';
import { confidenceTooltip } from '../lib/logic/confidence.js';
import { checkCounts, countsLine } from '../lib/logic/counts.js';
import { ago, outdatedReasons } from '../lib/logic/outdated.js';
import { quickFixes, seedCellPlan } from '../lib/logic/quickFixes.js';
import { DEFAULT_SETTINGS, readSettings } from '../lib/logic/settings.js';
import { starsOf } from '../lib/logic/stars.js';
import { statusText } from '../lib/logic/statusItem.js';

const cause = (kind, root, extra = {}) => ({
  kind,
  category: 'data',
  message: kind,
  confidence: 'high',
  origin_index: null,
  evidence: [],
  root,
  details: {},
  ...extra
});

const item = (index, causes, status = 'drifted') => ({
  cellId: `c${index}`,
  cellIndex: index,
  status,
  executionCount: index + 1,
  causes,
  diffs: [],
  failure: null
});

const namer = (index, count) => (count !== null ? `[${count}]` : `cell ${(index ?? 0) + 1}`);

test('cell names: prompt and a snippet that says what the cell does', () => {
  assert.equal(prompt(3), '[3]');
  assert.equal(prompt(null), '[ ]');
  assert.equal(
    snippet('import pandas as pd\n# read\ndf = pd.read_csv("x.csv")'),
    'df = pd.read_csv("x.csv")'
  );
  assert.equal(snippet('%load_ext repro_nb'), '%load_ext repro_nb');
  assert.equal(snippet('x = ' + 'a'.repeat(60)).length, 28);
  assert.ok(snippet('x = ' + 'a'.repeat(60)).endsWith('…'));
  assert.equal(cellLabel(3, 'total = df.sum()'), '[3] total = df.sum()');
  assert.equal(cellLabel(null, '', 6), 'cell 7');
  assert.equal(cellLabel(null, 'y = 1'), '[ ] y = 1');
  assert.equal(cellLabel(null, '# Title\nmore', 0, 'markdown'), '# Title');
});

test('causes grouped by root: one data file is one entry naming its cells', () => {
  const data = d =>
    cause('data-changed', 'data:data/sales.csv', {
      details: { path: 'data/sales.csv' },
      evidence: [d]
    });
  const drift = [
    item(2, [data('hash a → b')]),
    item(5, [data('hash a → b')]),
    item(6, [data('hash a → b')]),
    item(8, [
      cause('unseeded-rng', 'rng:8', {
        category: 'randomness',
        origin_index: 8,
        confidence: 'medium',
        details: { library: 'numpy' }
      })
    ])
  ];
  const groups = causeGroups(drift, namer);
  assert.equal(groups.length, 2);
  assert.equal(groups[0].headline, 'data/sales.csv changed');
  assert.deepEqual(
    groups[0].cells.map(c => c.label),
    ['[3]', '[6]', '[7]']
  );
  assert.deepEqual(groups[0].evidence, ['hash a → b']);
  assert.match(groups[1].headline, /random numbers without a seed \(numpy\)/);
});

test('a consequence goes under the root cause of the cell it followed from', () => {
  const drift = [
    item(1, [cause('data-missing', 'data:x.csv', { details: { path: 'x.csv' } })], 'failed'),
    item(
      3,
      [cause('consequence', 'consequence:1', { origin_index: 1, category: 'consequence' })],
      'failed'
    )
  ];
  const groups = causeGroups(drift, namer);
  assert.equal(groups.length, 1);
  assert.equal(groups[0].headline, 'x.csv is missing');
  assert.deepEqual(
    groups[0].cells.map(c => [c.cellIndex, c.consequence]),
    [
      [1, false],
      [3, true]
    ]
  );
});

test('primary causes: the first, and others as sure with another root; the rest folded', () => {
  const a = cause('data-changed', 'data:a');
  const b = cause('package-changed', 'pkg:b');
  const c = cause('package-changed', 'pkg:c', { confidence: 'low' });
  const { shown, others } = primaryCauses([a, b, c]);
  assert.deepEqual(shown, [a, b]);
  assert.deepEqual(others, [c]);
  assert.deepEqual(causeGroups([item(0, [])], namer)[0].root, 'unknown:-');
});

test('confidence tooltip: the meaning of the level, then the evidence', () => {
  const tip = confidenceTooltip({ confidence: 'medium', evidence: ['numpy 1 → 2'] });
  assert.match(tip, /^Medium confidence/);
  assert.match(tip, /• numpy 1 → 2/);
  assert.doesNotMatch(confidenceTooltip({ confidence: 'high', evidence: [] }), /Evidence/);
});

test('counts agree with the list', () => {
  const result = {
    cells: [
      { status: 'reproduced' },
      { status: 'drifted' },
      { status: 'drifted' },
      { status: 'failed' },
      { status: 'not-run', index: 5 },
      { status: 'skipped' }
    ]
  };
  const counts = checkCounts(result);
  assert.equal(counts.compared, 4);
  assert.equal(counts.notRun.length, 1);
  assert.equal(countsLine(counts), '3 of 4 cells did not reproduce: 2 drifted, 1 failed');
  assert.equal(
    countsLine(checkCounts({ cells: [{ status: 'reproduced' }] })),
    'all 1 cell reproduced'
  );
  assert.equal(
    countsLine(checkCounts({ cells: [{ status: 'drifted' }, { status: 'reproduced' }] })),
    '1 of 2 cells drifted'
  );
  assert.equal(checkCounts(null), null);
});

test('outdated: the notebook saved or a data file changed after the check started', () => {
  const started = '2026-01-01T10:00:00Z';
  assert.deepEqual(outdatedReasons(started, '2026-01-01T09:59:00Z', []), []);
  assert.deepEqual(outdatedReasons(started, '2026-01-01T10:00:00.500Z', []), []);
  assert.deepEqual(outdatedReasons(started, '2026-01-01T10:05:00Z', []), [
    'the notebook was saved since'
  ]);
  assert.deepEqual(
    outdatedReasons(started, null, [
      { path: 'data/sales.csv', modifiedAt: '2026-01-01T11:00:00Z' },
      { path: 'other.csv', modifiedAt: null }
    ]),
    ['data/sales.csv changed since']
  );
  assert.deepEqual(outdatedReasons(null, '2026-01-01T11:00:00Z'), []);
  const now = Date.parse(started);
  assert.equal(ago(started, now + 10_000), 'just now');
  assert.equal(ago(started, now + 3 * 60_000), '3 min ago');
  assert.equal(ago(started, now + 5 * 3600_000), '5 h ago');
  assert.equal(ago(null, now), '');
});

test('quick fixes: a seed cell for unseeded randomness; a kernel picker for a missing kernel', () => {
  const warnings = [{ kind: 'unseeded-rng' }];
  assert.deepEqual(
    quickFixes(warnings, null, ['x = 1']).map(f => f.label),
    ['Insert %repro_seed 42 at the top']
  );
  assert.deepEqual(quickFixes(warnings, null, ['%repro_seed 7']), []);
  const substituted = {
    cells: [],
    verdict: 'drifted',
    kernel: { substituted: true, requested: 'julia-1.9' }
  };
  assert.deepEqual(
    quickFixes([], substituted, []).map(f => [f.kind, f.requested]),
    [['pick-kernel', 'julia-1.9']]
  );
  const error = { cells: [], verdict: 'error', message: 'No such kernel named ir' };
  assert.equal(quickFixes([], error, [])[0].kind, 'pick-kernel');
  assert.deepEqual(seedCellPlan(['%load_ext repro_nb', 'x = 1']), {
    index: 1,
    source: '%repro_seed 42'
  });
  assert.deepEqual(seedCellPlan(['x = 1']), {
    index: 0,
    source: '%load_ext repro_nb\n%repro_seed 42'
  });
});

test('settings: defaults, and a value of the wrong type is ignored', () => {
  assert.deepEqual(readSettings(null), DEFAULT_SETTINGS);
  assert.deepEqual(
    readSettings({ markers: false, checkOnSave: 'yes', rtol: 0.01, atol: -1, timeout: 0 }),
    {
      markers: false,
      checkOnSave: false,
      rtol: 0.01,
      atol: null,
      timeout: null
    }
  );
});

test('stars: only when the report has them', () => {
  assert.equal(starsOf(null), null);
  assert.equal(starsOf({ report: { stars: [] } }), null);
  assert.deepEqual(
    starsOf({
      report: {
        stars: [{ name: 'Code', earned: true }, { name: 'Data', earned: false, next: 'pin it' }, 7]
      }
    }),
    [
      { name: 'Code', earned: true, next: undefined },
      { name: 'Data', earned: false, next: 'pin it' }
    ]
  );
});

test('status item: recording, then the last check', () => {
  assert.equal(statusText('recording', null, false).text, '● recording');
  assert.equal(statusText('off', null, false).text, 'repro-nb');
  const drifted = {
    verdict: 'drifted',
    message: '',
    cells: [{ status: 'drifted' }, { status: 'drifted' }, { status: 'drifted' }]
  };
  const status = statusText('recording', drifted, false, true);
  assert.equal(status.text, '● recording · drifted 3 · (outdated)');
  assert.equal(status.tone, 'warn');
  assert.equal(statusText('recording', drifted, true).text, '● recording · checking…');
  assert.equal(statusText('off', { verdict: 'reproduced', cells: [] }, false).text, 'reproduced');
});
