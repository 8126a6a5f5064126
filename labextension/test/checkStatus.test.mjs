// Unit tests of src/logic/checkStatus.ts (compiled to lib/): run by
// tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPhase, isActive } from '../lib/logic/checkStatus.js';

const check = (state, extra = {}) => ({ state, position: null, progress: null, ...extra });

test('check phase: requested, queued with its position, starting, running a cell, ended', () => {
  assert.deepEqual(checkPhase(null), { kind: 'idle' });
  assert.deepEqual(checkPhase(null, true), { kind: 'requested' });
  assert.deepEqual(checkPhase(check('queued', { position: 3 })), { kind: 'queued', position: 3 });
  assert.deepEqual(checkPhase(check('queued')), { kind: 'queued', position: null });
  assert.deepEqual(checkPhase(check('queued', { position: undefined })), {
    kind: 'queued',
    position: null
  });
  assert.deepEqual(checkPhase(check('running')), { kind: 'starting' });
  assert.deepEqual(checkPhase(check('running', { progress: { cell: 1, total: 4 } })), {
    kind: 'running',
    cell: 1,
    total: 4
  });
  for (const state of ['done', 'failed', 'cancelled']) {
    assert.deepEqual(checkPhase(check(state)), { kind: state });
  }
});

test('a queued check is active (followed, cancellable) like a running one', () => {
  assert.equal(isActive(check('queued', { position: 1 })), true);
  assert.equal(isActive(check('running')), true);
  assert.equal(isActive(check('done')), false);
  assert.equal(isActive(null), false);
});
