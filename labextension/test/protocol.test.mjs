// Unit tests of src/logic/protocol.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionRecordAfter } from '../lib/logic/protocol.js';

const hello = {
  schema_version: 1,
  recorder: { version: '0.1.0', channel: 'comm' },
  updated_at: '2026-11-25T10:00:00.000Z',
  packages: { numpy: '2.4.6' },
  data: [{ path: 'a.csv', hash: 'blake3:aa' }],
  warnings: [],
  cells_executed: 3
};

test('a whole record (protocol 1) replaces the session record', () => {
  const whole = { ...hello, cells_executed: 4 };
  assert.deepEqual(sessionRecordAfter(hello, { type: 'cell', cell: {}, notebook: whole }), whole);
  assert.deepEqual(sessionRecordAfter(null, { type: 'cell', cell: {}, notebook: whole }), whole);
});

test('changes (protocol 2) replace whole fields and keep the others', () => {
  const changes = {
    cells_executed: 4,
    data: [
      { path: 'a.csv', hash: 'blake3:bb' },
      { path: 'b.csv', hash: 'blake3:cc' }
    ]
  };
  const merged = sessionRecordAfter(hello, { type: 'cell', cell: {}, notebook_changes: changes });
  assert.deepEqual(merged, { ...hello, ...changes });
  assert.deepEqual(merged.packages, { numpy: '2.4.6' });
  assert.equal(hello.cells_executed, 3, 'the previous record is not modified');
});

test('a sequence of changes gives the record the kernel holds', () => {
  const kernel = [
    { ...hello, cells_executed: 4, updated_at: 'u4' },
    {
      ...hello,
      cells_executed: 5,
      updated_at: 'u5',
      packages: { numpy: '2.4.6', pandas: '3.1.1' }
    },
    {
      ...hello,
      cells_executed: 6,
      updated_at: 'u6',
      packages: { numpy: '2.4.6', pandas: '3.1.1' },
      warnings: [{ kind: 'rerun', message: 'm' }]
    }
  ];
  let session = hello;
  let previous = hello;
  for (const record of kernel) {
    const changes = Object.fromEntries(
      Object.entries(record).filter(
        ([key, value]) => JSON.stringify(previous[key]) !== JSON.stringify(value)
      )
    );
    session = sessionRecordAfter(session, { type: 'cell', cell: {}, notebook_changes: changes });
    previous = record;
  }
  assert.deepEqual(session, kernel[kernel.length - 1]);
});

test('changes with nothing to merge them into give null, never a partial record', () => {
  assert.equal(
    sessionRecordAfter(null, { type: 'cell', cell: {}, notebook_changes: { cells_executed: 1 } }),
    null
  );
  assert.equal(sessionRecordAfter(hello, { type: 'cell', cell: {} }), null);
});
