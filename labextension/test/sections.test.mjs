// Unit tests of src/logic/seeds.ts, packages.ts and environment.ts (compiled to lib/):
// run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentRows } from '../lib/logic/environment.js';
import { packageItems } from '../lib/logic/packages.js';
import { seedItems } from '../lib/logic/seeds.js';

test("seeds: what the cells set, in notebook order; else the notebook record's", () => {
  const seed = (api, value, cell_id) => ({ library: 'numpy', api, value, cell_id });
  const cells = [
    { id: 'a', index: 0, record: { seeds: [seed('numpy.random.seed', 1)] } },
    { id: 'b', index: 1, record: { seeds: [seed('%repro_seed', 2)] } }
  ];
  assert.deepEqual(
    seedItems(null, cells).map(s => [s.api, s.cellIndex]),
    [
      ['numpy.random.seed', 0],
      ['%repro_seed', 1]
    ]
  );
  const notebook = { seeds: [seed('random.seed', 3, 'b'), seed('random.seed', 4, 'gone')] };
  const plain = cells.map(c => ({ ...c, record: {} }));
  assert.deepEqual(
    seedItems(notebook, plain).map(s => [s.value, s.cellIndex]),
    [
      [3, 1],
      [4, null]
    ]
  );
});

test("packages: the record's, sorted, with the checked version where it moved", () => {
  const notebook = { packages: { pandas: '3.1.1', numpy: '1.26.4', six: null } };
  const result = {
    packages: [
      { distribution: 'numpy', old: '1.26.4', new: '2.4.6', imported_by: [] },
      { distribution: 'pandas', old: '3.1.1', new: null, imported_by: [] }
    ]
  };
  assert.deepEqual(packageItems(notebook, result), [
    {
      name: 'numpy',
      version: '1.26.4',
      checkedVersion: '2.4.6',
      differs: true,
      direct: null,
      importedBy: []
    },
    {
      name: 'pandas',
      version: '3.1.1',
      checkedVersion: null,
      differs: true,
      direct: null,
      importedBy: []
    },
    {
      name: 'six',
      version: null,
      checkedVersion: undefined,
      differs: false,
      direct: null,
      importedBy: []
    }
  ]);
  // with cells: a cell's own import is direct, the rest are folded as indirect
  const cells = [
    {
      id: 'a',
      index: 0,
      record: {
        imports: [
          { module: 'pandas', distribution: 'pandas', direct: true },
          { module: 'numpy', distribution: 'numpy', direct: false }
        ]
      }
    },
    { id: 'b', index: 2, record: { imports: [{ module: 'pandas', distribution: 'pandas' }] } }
  ];
  assert.deepEqual(
    packageItems(notebook, null, cells).map(p => [p.name, p.direct, p.importedBy]),
    [
      ['numpy', false, []],
      ['pandas', true, [0, 2]],
      ['six', false, []]
    ]
  );
  assert.deepEqual(packageItems(null, null), []);
});

test('environment: one row per part, each field read as maybe missing', () => {
  const notebook = {
    recorder: { version: '0.1.0' },
    environment: {
      python: { implementation: 'CPython', version: '3.11.7', in_virtualenv: true },
      platform: { system: 'Linux', machine: 'x86_64' },
      cpu: { count: 2 },
      gpus: [],
      blas: [{ internal_api: 'openblas', version: '0.3.27', num_threads: 2 }, 'mkl'],
      env: { PYTHONHASHSEED: '0' }
    }
  };
  assert.deepEqual(environmentRows(notebook), [
    ['Python', 'CPython 3.11.7 (virtualenv)'],
    ['Platform', 'Linux, x86_64'],
    ['CPU', '2 cores'],
    ['BLAS', 'openblas 0.3.27 2 threads; mkl'],
    ['PYTHONHASHSEED', '0'],
    ['Recorder', 'repro-nb 0.1.0']
  ]);
  assert.deepEqual(environmentRows({ recorder: { version: '0.1.0' } }), []);
  assert.deepEqual(environmentRows(null), []);
});
