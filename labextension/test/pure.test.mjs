// src/logic and src/schema load in a bare Node: no JupyterLab, no DOM, relative imports
// with their .js extension (eslint.config.mjs keeps logic/'s imports to logic/ and
// schema/). Run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

for (const folder of ['logic', 'schema']) {
  const url = new URL(`../lib/${folder}/`, import.meta.url);
  const modules = readdirSync(url).filter(name => name.endsWith('.js'));
  test(`every module of src/${folder} loads in a bare Node`, async () => {
    assert.ok(modules.length > 0, `nothing compiled in lib/${folder}`);
    for (const name of modules) {
      await import(new URL(name, url).href);
    }
  });
}

test('the comm constants come from the schema', async () => {
  const comm = await import('../lib/schema/comm.js');
  assert.deepEqual(
    [comm.COMM_TARGET, comm.COMM_PROTOCOL, comm.CHANGES_PROTOCOL],
    ['repro_nb', 2, 2]
  );
});
