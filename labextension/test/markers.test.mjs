// Unit tests of src/logic/markers.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markerMessages } from '../lib/logic/markers.js';

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
