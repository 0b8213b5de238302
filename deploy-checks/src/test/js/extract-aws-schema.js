#!/usr/bin/env node
// Extracts, from the npm package @cdktf/provider-aws (generated from the hashicorp/aws provider schema), the
// argument and nested block names of the AWS resource and data source types that infra/terraform uses, into
// aws-provider-schema.json (committed; the package itself is 37 MB packed and is not installed by the build).
//
// Regenerate after using a new resource type or moving to another provider release:
//   mkdir /tmp/provider-aws && cd /tmp/provider-aws && npm install --ignore-scripts @cdktf/provider-aws@21.22.1
//   cd deploy-checks/src/test/js && npm ci
//   node extract-aws-schema.js /tmp/provider-aws/node_modules/@cdktf/provider-aws ../../../../infra/terraform \
//     > ../resources/aws-provider-schema.json
//
// Each generated lib/<type>/index.js has synthesizeHclAttributes() (the type's top level) and one
// <struct>ToHclTerraform(struct) function per nested block, listing every key with isBlock true or false.
'use strict';
const fs = require('fs');
const path = require('path');
const { parse } = require('@cdktf/hcl2json');

function tfFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') ? [] : tfFiles(p);
    return e.name.endsWith('.tf') ? [p] : [];
  });
}

// "aws_s3_bucket" -> "s3-bucket"; data sources live in "data-aws-...".
function libDir(kind, type) {
  if (kind === 'provider') return 'provider';
  const base = type.replace(/^aws_/, '').replace(/_/g, '-');
  return kind === 'data' ? 'data-aws-' + base : base;
}

// Entries "key: { value: EXPR, isBlock: BOOL," of one attrs object literal.
function entries(body) {
  const out = [];
  const re = /\n\s{8,12}(\w+): \{\n\s+value: (.*),\n\s+isBlock: (true|false),/g;
  let m;
  while ((m = re.exec(body)) !== null) {
    const fn = /(\w+ToHclTerraform)\b/.exec(m[2].replace(/cdktf\.\w+ToHclTerraform/g, ''));
    out.push({ name: m[1], block: m[3] === 'true', fn: fn ? fn[1] : null });
  }
  return out;
}

function describe(source, body, functions, depth) {
  const args = [];
  const blocks = {};
  for (const e of entries(body)) {
    if (e.block && e.fn && functions[e.fn] && depth < 12) {
      blocks[e.name] = describe(source, functions[e.fn], functions, depth + 1);
    } else if (e.block) {
      blocks[e.name] = { args: [], blocks: {} };
    } else {
      args.push(e.name);
    }
  }
  return { args: args.sort(), blocks };
}

function schemaOf(pkg, kind, type) {
  const file = path.join(pkg, 'lib', libDir(kind, type), 'index.js');
  const source = fs.readFileSync(file, 'utf8');
  if (!source.includes(`.tfResourceType = "${type}"`)) {
    throw new Error(`${file} does not define ${type}`);
  }
  const functions = {};
  const fnRe = /\nfunction (\w+ToHclTerraform)\(struct\) \{([\s\S]*?)\n\}/g;
  let m;
  while ((m = fnRe.exec(source)) !== null) functions[m[1]] = m[2];
  const top = /synthesizeHclAttributes\(\) \{([\s\S]*?)\n    \}/.exec(source);
  return describe(source, top[1], functions, 0);
}

(async () => {
  const [pkg, tfDir] = process.argv.slice(2);
  if (!pkg || !tfDir) {
    console.error('usage: extract-aws-schema.js <@cdktf/provider-aws dir> <terraform dir>');
    process.exit(2);
  }
  const used = { resource: new Set(), data: new Set() };
  for (const f of tfFiles(tfDir)) {
    const json = await parse(f, fs.readFileSync(f, 'utf8'));
    for (const kind of ['resource', 'data']) {
      Object.keys(json[kind] || {}).filter(t => t.startsWith('aws_')).forEach(t => used[kind].add(t));
    }
  }
  const meta = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  const out = {
    source: `npm @cdktf/provider-aws ${meta.version}, generated from ${meta.cdktf.provider.name} ${meta.cdktf.provider.version}`,
    regenerate: 'deploy-checks/src/test/js/extract-aws-schema.js',
    provider: schemaOf(pkg, 'provider', 'aws'),
    resource: {},
    data: {},
  };
  for (const kind of ['resource', 'data']) {
    for (const t of [...used[kind]].sort()) out[kind][t] = schemaOf(pkg, kind, t);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch(e => { console.error(e.stack || e); process.exit(1); });
