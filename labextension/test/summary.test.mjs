// Unit tests of src/logic/summary.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '../lib/logic/summary.js';

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

test("the verdict is the last check's, never the record's", () => {
  const cells = [{ id: 'a', index: 0, record: { execution_count: 1 } }];
  const before = summarize({ verdict: 'reproduced' }, cells, null);
  assert.deepEqual([before.verdict, before.verdictMessage], [null, null]);
  assert.equal('rating' in before, false);
  const result = {
    verdict: 'drifted',
    message: '1 of 1 cells drifted',
    cells: [],
    data: [],
    packages: []
  };
  const after = summarize(null, cells, result);
  assert.deepEqual([after.verdict, after.verdictMessage], ['drifted', '1 of 1 cells drifted']);
  assert.equal(after.hasRecord, true);
  assert.equal(summarize(null, [{ id: 'a', index: 0, record: null }], null).hasRecord, false);
});
