// Unit tests of src/logic/format.ts (compiled to lib/): run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffLineClass, shortHash } from '../lib/logic/format.js';

test('shortHash keeps the algorithm and cuts the digest', () => {
  assert.equal(shortHash('blake3:0123456789abcdef'), 'blake3:0123456789');
  assert.equal(shortHash('0123456789abcdef', 4), '0123');
  assert.equal(shortHash(null), null);
  assert.equal(shortHash(''), null);
});

test('a unified diff line is classed as header, hunk, addition, deletion or context', () => {
  assert.equal(diffLineClass('--- expected'), 'jp-repro-nb-meta');
  assert.equal(diffLineClass('+++ actual'), 'jp-repro-nb-meta');
  assert.equal(diffLineClass('@@ -1,2 +1,2 @@'), 'jp-repro-nb-hunk');
  assert.equal(diffLineClass('+0.91'), 'jp-repro-nb-add');
  assert.equal(diffLineClass('-0.93'), 'jp-repro-nb-del');
  assert.equal(diffLineClass(' unchanged'), '');
});
