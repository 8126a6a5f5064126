// Unit tests of src/logic/dataFiles.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataItems } from '../lib/logic/dataFiles.js';

const cells = [
  {
    id: 'read',
    index: 0,
    record: { reads: [{ path: 'b.csv', status: 'ok', hash: 'blake3:bb' }] }
  },
  {
    id: 'write',
    index: 1,
    record: { writes: [{ path: 'a.csv', status: 'ok', hash: 'blake3:aa' }] }
  }
];

test("without a notebook record, the cells' reads and writes, sorted by path", () => {
  const items = dataItems(null, cells, null, []);
  assert.deepEqual(
    items.map(d => [d.path, d.state, d.hash, d.cellIndex, d.written]),
    [
      ['a.csv', 'unchanged', 'blake3:aa', 1, true],
      ['b.csv', 'unchanged', 'blake3:bb', 0, false]
    ]
  );
});

test("the notebook record's list wins; a data-changed warning marks its file changed", () => {
  const notebook = {
    data: [
      { path: 'b.csv', status: 'ok', hash: 'blake3:bb', cell_id: 'read' },
      { path: 'gone.csv', status: 'missing', hash: null },
      { path: 'big.bin', status: 'too-large', hash: null }
    ]
  };
  const warnings = [{ kind: 'data-changed', message: 'b.csv changed since cell 1 read it' }];
  const items = dataItems(notebook, cells, null, warnings);
  assert.deepEqual(
    items.map(d => [d.path, d.state, d.cellIndex]),
    [
      ['b.csv', 'changed', 0],
      ['big.bin', 'unknown', null],
      ['gone.csv', 'missing', null]
    ]
  );
});

test('what the check found overrides the record; files only the check knows are added', () => {
  const result = {
    data: [
      {
        path: 'b.csv',
        status: 'changed',
        old_hash: 'blake3:bb',
        new_hash: 'blake3:cc',
        read_by: [0]
      },
      { path: 'new.csv', status: 'missing', old_hash: 'blake3:dd', new_hash: null, read_by: [3] },
      {
        path: 'extra.csv',
        status: 'unrecorded',
        old_hash: null,
        new_hash: 'blake3:ee',
        read_by: [0]
      }
    ]
  };
  const items = dataItems(null, cells, result, []);
  assert.deepEqual(
    items.map(d => [d.path, d.state, d.hash, d.newHash, d.cellIndex]),
    [
      ['a.csv', 'unchanged', 'blake3:aa', null, 1],
      ['b.csv', 'changed', 'blake3:bb', 'blake3:cc', 0],
      ['new.csv', 'missing', 'blake3:dd', null, 3]
    ]
  );
});
