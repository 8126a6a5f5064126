// The npm dependencies are the packages src/ imports: nothing used undeclared, nothing
// declared unused. Run by tests/labextension/test_units.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function sources(dir) {
  return readdirSync(new URL(dir, root), { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? sources(`${dir}${entry.name}/`)
      : /\.tsx?$/.test(entry.name)
        ? [readFileSync(new URL(`${dir}${entry.name}`, root), 'utf8')]
        : []
  );
}

test('package.json declares exactly the packages src/ imports', () => {
  const imported = new Set();
  for (const text of sources('src/')) {
    for (const [, name] of text.matchAll(/from '((?:@[^/']+\/)?[^./'][^/']*)/g)) {
      imported.add(name);
    }
  }
  const declared = Object.keys(
    JSON.parse(readFileSync(new URL('package.json', root))).dependencies
  );
  assert.deepEqual([...imported].sort(), declared.sort());
});
