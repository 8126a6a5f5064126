// Unit tests of src/logic/warnings.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellWarnings, groupWarnings, warningItems } from '../lib/logic/warnings.js';

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

test("warningItems: a cell speaks for itself; notebook-wide ones stay; a gone cell's go", () => {
  const notebook = {
    warnings: [
      { kind: 'rerun', message: 'old news of a cell still there', cell_id: 'a' },
      { kind: 'unseeded-rng', message: 'from a deleted cell', cell_id: 'gone' },
      { kind: 'recorder-error', message: 'notebook-wide', cell_id: null, execution_count: 4 },
      { kind: 'recorder-error', message: 'notebook-wide', cell_id: null }
    ]
  };
  const cells = [
    {
      id: 'a',
      index: 0,
      record: {
        execution_count: 3,
        warnings: [{ kind: 'data-changed', message: 'd.csv changed', path: 'd.csv' }]
      }
    },
    { id: 'b', index: 1, record: null }
  ];
  const items = warningItems(notebook, cells, null);
  assert.deepEqual(
    items.map(w => [w.kind, w.cellIndex, w.executionCount, w.path]),
    [
      ['data-changed', 0, 3, 'd.csv'],
      ['recorder-error', null, 4, undefined]
    ]
  );
});

test('warningItems: a package the check found changed is a warning of the cell that imported it', () => {
  const cells = [
    { id: 'a', index: 0, record: null },
    { id: 'b', index: 1, record: null }
  ];
  const result = {
    packages: [
      { distribution: 'numpy', old: '1.26.4', new: '2.4.6', imported_by: [1] },
      { distribution: 'six', old: '1.0', new: '1.0', imported_by: [0] },
      { distribution: 'scipy', old: '1.1', new: null, imported_by: [] }
    ]
  };
  const items = warningItems(null, cells, result);
  assert.deepEqual(
    items.map(w => [w.message, w.cellId]),
    [
      ['numpy 1.26.4 → 2.4.6 in the check', 'b'],
      ['scipy 1.1 → not installed in the check', null]
    ]
  );
});
