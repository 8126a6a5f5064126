// Unit tests of src/logic/drift.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { driftByCell, driftFor, driftItems } from '../lib/logic/drift.js';

const cell = (status, cell_id, index) => ({
  index,
  actual_index: index,
  cell_id,
  status,
  execution_count: index + 1,
  diffs: [],
  causes: [],
  failure: null,
  skip_reason: null
});

const result = {
  cells: [
    cell('reproduced', 'a', 0),
    cell('drifted', 'b', 1),
    cell('failed', null, 2),
    cell('skipped', 'd', 3)
  ]
};

test('only drifted and failed cells are drift, found by id or else by position', () => {
  const drift = driftByCell(result);
  assert.deepEqual([...drift.keys()], ['b', '#2']);
  assert.equal(driftFor(drift, 'b', 7).status, 'drifted');
  assert.equal(driftFor(drift, 'no-id-match', 2).status, 'failed');
  assert.equal(driftFor(drift, 'a', 0), undefined);
  assert.equal(driftByCell(null).size, 0);
});

test('drift items are placed where the cell is now', () => {
  const cells = [
    { id: 'b', index: 5, record: null },
    { id: 'x', index: 0, record: null }
  ];
  const items = driftItems(result, cells);
  assert.deepEqual(
    items.map(d => [d.cellId, d.cellIndex, d.status, d.executionCount]),
    [
      ['b', 5, 'drifted', 2],
      [null, 2, 'failed', 3]
    ]
  );
  assert.deepEqual(driftItems(null, cells), []);
});

test('a result from elsewhere without causes or diffs reads as none', () => {
  const { causes: _causes, diffs: _diffs, ...bare } = cell('drifted', 'b', 1);
  const [item] = driftItems({ cells: [bare] }, []);
  assert.deepEqual([item.causes, item.diffs], [[], []]);
});
