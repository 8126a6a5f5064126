// Unit tests of src/logic/attribution.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributionNote, isConfirmed } from '../lib/logic/attribution.js';

test('causes confirmed by re-run are told apart from suspicions', () => {
  assert.equal(isConfirmed({ category: 'environment-confirmed' }), true);
  assert.equal(isConfirmed({ category: 'environment' }), false);
});

test('the attribution note names the responsible distributions', () => {
  assert.equal(attributionNote(null), null);
  assert.equal(attributionNote({ attribution: null }), null);
  const note = attributionNote({
    attribution: {
      environment: 'recorded',
      outcome: 'confirmed',
      message: 'cell 1 drifts because of six 1.16.0 → 1.17.0',
      cells_back: [0],
      cells_still: [],
      changed: [],
      responsible: [{ distribution: 'six', old: '1.16.0', new: '1.17.0' }],
      minimal: true,
      probes: 2,
      budget: 8,
      duration_s: 9.5
    }
  });
  assert.deepEqual(note, {
    outcome: 'confirmed',
    message: 'cell 1 drifts because of six 1.16.0 → 1.17.0',
    responsible: ['six 1.16.0 → 1.17.0'],
    probes: 2
  });
});
