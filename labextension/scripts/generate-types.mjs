#!/usr/bin/env node
/**
 * Generate src/schema/*.ts from the JSON Schemas in repro_nb/format/schema, the one
 * typed definition of the formats (the record, the check result, the comm protocol).
 *
 *   node scripts/generate-types.mjs           write the files (jlpm generate:types)
 *   node scripts/generate-types.mjs --check   write nothing; exit 1 naming each stale file
 *
 * The schemas are read as they are; only this script's in-memory copy is adjusted, so
 * that each definition becomes one declaration with a stable name (NAMES, else its key
 * in PascalCase), in the schema's order:
 * - every `$ref` becomes that definition's name (a reference into another schema file
 *   an import from its generated module), so no type is declared twice;
 * - an object schema without `properties` keeps an index signature (any members);
 * - each declaration says which definition it comes from.
 * Output is formatted with this package's Prettier configuration, so the files pass
 * `jlpm lint:check` as they are.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import prettier from 'prettier';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE = path.resolve(HERE, '..');
const SCHEMAS = path.resolve(PACKAGE, '../repro_nb/format/schema');
const OUTPUT = path.join(PACKAGE, 'src/schema');

/**
 * Per schema: each definition's type name; the key `''` names the root when it is a type
 * of its own (not only a reference to a definition).
 */
const TARGETS = [
  {
    schema: 'record-v2.schema.json',
    output: 'record.ts',
    names: {
      '': 'Sidecar',
      hash: 'Hash',
      timestamp: 'Timestamp',
      seed_value: 'SeedValue',
      seed_event: 'SeedEvent',
      unseeded_rng: 'UnseededRng',
      import: 'PackageImport',
      data_file: 'DataFile',
      warning: 'RecordWarning',
      environment: 'Environment',
      cell: 'CellRecord',
      notebook: 'NotebookRecord',
      sidecar: 'Sidecar'
    }
  },
  {
    schema: 'check-v2.schema.json',
    output: 'check.ts',
    names: {
      '': 'CheckReport',
      cell_index: 'CellIndex',
      cell_indices: 'CellIndices',
      hash: 'Hash',
      float: 'ReportFloat',
      notebook: 'NotebookResult',
      cell: 'CellResult',
      failure: 'CellFailure',
      diff: 'OutputDiff',
      cause: 'Cause',
      data_drift: 'DataDrift',
      package_drift: 'PackageDrift',
      environment_difference: 'EnvironmentDifference'
    }
  },
  {
    schema: 'comm-v2.schema.json',
    output: 'comm.ts',
    names: {
      open: 'OpenMessage',
      positions: 'PositionsMessage',
      notebook_path: 'NotebookPathMessage',
      get: 'GetMessage',
      hello: 'HelloMessage',
      cell: 'CellMessage'
    },
    constants: schema => [
      [
        'The comm target the recorder registers in the kernel (`x-comm-target`).',
        'COMM_TARGET',
        schema['x-comm-target']
      ],
      [
        'The newest protocol this frontend speaks, sent in `open` (`x-protocol`).',
        'COMM_PROTOCOL',
        schema['x-protocol']
      ],
      [
        'The first protocol whose `cell` messages carry `notebook_changes` instead of the whole `notebook` (`x-changes-protocol`).',
        'CHANGES_PROTOCOL',
        schema['x-changes-protocol']
      ]
    ]
  }
];

/** References to another schema file become imports of that file's generated module. */
const EXTERNAL = { 'record-v2.schema.json': { module: './record', names: TARGETS[0].names } };

function pascalCase(key) {
  return key.replace(/(^|[_\-\s]+)([a-z0-9])/gi, (_, __, c) => c.toUpperCase());
}

/** The type name a `$ref` stands for; names of other files' types go into `imports`. */
function referencedName(ref, names, imports) {
  const [file, pointer] = ref.split('#');
  const key = pointer?.match(/^\/definitions\/([^/]+)$/)?.[1];
  const external = file ? EXTERNAL[file] : null;
  if (!key || (file && !external)) {
    throw new Error(`cannot map the reference ${ref} to a generated type`);
  }
  const name = (external?.names ?? names)[key] ?? pascalCase(key);
  if (external) {
    (imports[external.module] ??= new Set()).add(name);
  }
  return name;
}

/** A copy of the schema `node` with the adjustments described at the top. */
function prepare(node, names, imports) {
  if (Array.isArray(node)) {
    return node.map(item => prepare(item, names, imports));
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref') {
      copy.tsType = referencedName(value, names, imports);
    } else if (key === 'properties') {
      copy.properties = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, prepare(property, names, imports)])
      );
    } else {
      copy[key] = prepare(value, names, imports);
    }
  }
  const isObject =
    copy.type === 'object' || (Array.isArray(copy.type) && copy.type.includes('object'));
  if (
    isObject &&
    !copy.properties &&
    !('additionalProperties' in copy) &&
    !copy.patternProperties
  ) {
    copy.additionalProperties = true;
  }
  return copy;
}

const COMPILE_OPTIONS = {
  additionalProperties: false,
  bannerComment: '',
  declareExternallyReferenced: false,
  format: false,
  strictIndexSignatures: false,
  // nothing is left to resolve: every reference is a name by now
  $refOptions: { resolve: { http: false, file: false } }
};

/** One declaration for a (prepared) schema, its comment ending with where it comes from. */
async function declare(schema, name, origin) {
  const description = [schema.description, `From \`${origin}\`.`].filter(Boolean).join('\n\n');
  return compile({ ...schema, description }, name, COMPILE_OPTIONS);
}

async function generate(target) {
  const file = path.join(SCHEMAS, target.schema);
  const original = JSON.parse(await readFile(file, 'utf8'));
  const { definitions = {}, ...root } = original;
  const imports = {};
  const declarations = [];
  if (root.type || root.properties) {
    const { $schema: _schema, $id: _id, title: _title, ...rootType } = root;
    const prepared = prepare(rootType, target.names, imports);
    declarations.push(await declare(prepared, target.names[''], target.schema));
  }
  for (const [key, definition] of Object.entries(definitions)) {
    const prepared = prepare(definition, target.names, imports);
    const name = target.names[key] ?? pascalCase(key);
    declarations.push(await declare(prepared, name, `${target.schema}#/definitions/${key}`));
  }
  const source = path.relative(path.resolve(PACKAGE, '..'), file).split(path.sep).join('/');
  const lines = [
    `// Generated by scripts/generate-types.mjs from ${source}: do not edit.`,
    '// Regenerate with `jlpm generate:types`; tests/labextension/test_generated_types.py fails',
    '// while this file differs from what the schema gives.',
    ''
  ];
  for (const [module, imported] of Object.entries(imports)) {
    lines.push(`import type { ${[...imported].sort().join(', ')} } from '${module}';`, '');
  }
  lines.push(...declarations.map(text => text.replace(/[ \t]+$/gm, '')));
  for (const [doc, name, value] of target.constants?.(original) ?? []) {
    if (value === undefined) {
      throw new Error(`${target.schema} has no value for ${name}`);
    }
    lines.push(`/** ${doc} */`, `export const ${name} = ${JSON.stringify(value)};`, '');
  }
  const output = path.join(OUTPUT, target.output);
  const options = (await prettier.resolveConfig(output)) ?? {};
  return {
    output,
    text: await prettier.format(lines.join('\n'), { ...options, filepath: output })
  };
}

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const target of TARGETS) {
    const { output, text } = await generate(target);
    const name = path.relative(PACKAGE, output);
    const current = await readFile(output, 'utf8').catch(() => null);
    if (current === text) {
      continue;
    }
    if (check) {
      stale.push(name);
    } else {
      await writeFile(output, text);
      console.log(`generate-types: wrote ${name}`);
    }
  }
  if (stale.length > 0) {
    for (const name of stale) {
      console.error(`generate-types: ${name} is stale: run \`jlpm generate:types\``);
    }
    process.exit(1);
  }
}

await main();
