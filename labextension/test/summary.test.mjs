// Unit tests of src/logic/ (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortHash } from '../lib/logic/format.js';
import { markerMessages } from '../lib/logic/markers.js';
import { summarize } from '../lib/logic/summary.js';
import { cellWarnings, groupWarnings } from '../lib/logic/warnings.js';

test('shortHash keeps the algorithm and cuts the digest', () => {
  assert.equal(shortHash('blake3:0123456789abcdef'), 'blake3:0123456789');
  assert.equal(shortHash('0123456789abcdef', 4), '0123');
  assert.equal(shortHash(null), null);
  assert.equal(shortHash(''), null);
});

test('a package whose version moved since the cell ran is a warning of that cell', () => {
  const record = {
    imports: [
      { distribution: 'numpy', version: '1.26.4' },
      { distribution: 'pandas', version: '3.1.1' }
    ]
  };
  const warnings = cellWarnings(record, { packages: { numpy: '2.4.6', pandas: '3.1.1' } });
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].kind, 'package-changed');
  assert.match(warnings[0].message, /numpy 1\.26\.4 .* 2\.4\.6/);
  assert.deepEqual(cellWarnings(record, { packages: { numpy: '1.26.4' } }), []);
  assert.deepEqual(cellWarnings(null, { packages: {} }), []);
});

test('the same warning from several cells is listed once, with its cells in order, by kind', () => {
  const item = (kind, message, id, index) => ({
    kind,
    message,
    cellId: id,
    cellIndex: index,
    executionCount: null,
    cells: [{ id, index }]
  });
  const grouped = groupWarnings([
    item('out-of-order', 'cell 5 ran after later cell(s) 7', 'e', 4),
    item('unseeded-rng', 'numpy advanced unseeded', 'c', 7),
    item('unseeded-rng', 'numpy advanced unseeded', 'b', 2)
  ]);
  assert.deepEqual(
    grouped.map(w => w.kind),
    ['unseeded-rng', 'out-of-order']
  );
  assert.deepEqual(
    grouped[0].cells.map(c => c.index),
    [2, 7]
  );
  assert.equal(grouped[0].cellIndex, 2);
  assert.equal(grouped[0].cellId, 'b');
});

test("summarize: cells speak for themselves; a deleted cell's warning is gone; seeds in notebook order", () => {
  const notebook = {
    schema_version: 1,
    recorder: { version: '0.1.0' },
    packages: { numpy: '2.4.6' },
    warnings: [
      { kind: 'unseeded-rng', message: 'from a deleted cell', cell_id: 'gone' },
      { kind: 'recorder-error', message: 'notebook-wide', cell_id: null }
    ],
    seeds: [],
    data: [],
    cells_executed: 2
  };
  const cells = [
    {
      id: 'first',
      index: 0,
      record: {
        execution_count: 1,
        seeds: [{ library: 'numpy', api: 'numpy.random.seed', value: 1 }],
        warnings: []
      }
    },
    {
      id: 'second',
      index: 1,
      record: { execution_count: 2, warnings: [{ kind: 'rerun', message: 'cell re-run' }] }
    },
    { id: 'plain', index: 2, record: null }
  ];
  const summary = summarize(notebook, cells, null);
  assert.equal(summary.recordedCells, 2);
  assert.deepEqual(
    summary.warnings.map(w => w.message),
    ['cell re-run', 'notebook-wide']
  );
  assert.deepEqual(
    summary.seeds.map(s => [s.library, s.cellIndex]),
    [['numpy', 0]]
  );
});

test("a drifted cell's marker names the causes with their confidence", () => {
  const lines = markerMessages([{ kind: 'rerun', message: 'cell re-run' }], {
    status: 'drifted',
    causes: [{ message: 'data.csv changed', confidence: 'high' }]
  });
  assert.deepEqual(lines.warning, ['cell re-run']);
  assert.deepEqual(lines.drift, [
    'repro-nb check: the output changed when re-run',
    '• data.csv changed (high)'
  ]);
});
