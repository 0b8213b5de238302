#!/usr/bin/env node
// Parses Terraform files with HashiCorp's HCL parser (@cdktf/hcl2json, the Go hcl library as WebAssembly) and prints
// one JSON object: for each file either {"json": <the file as Terraform JSON>, "references": [{"value", "where"}]}
// (every reference in every expression, with the JSON path it was found at) or {"error": "<file:line,col: message>"}.
// Usage: node parse-hcl.js FILE.tf...
'use strict';
const fs = require('fs');
const { parse, getReferencesInExpression } = require('@cdktf/hcl2json');

// Every string holding an interpolation, with its JSON path (variable types are type expressions, not references).
function expressions(node, where, out) {
  if (typeof node === 'string') {
    if (node.includes('${')) out.push({ text: node, where });
  } else if (Array.isArray(node)) {
    node.forEach((n, i) => expressions(n, `${where}[${i}]`, out));
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'type' && /^variable\.[^.]+\[0\]$/.test(where)) continue;
      // An object key can be an expression too: (local.name) = value.
      if (k.includes('${')) out.push({ text: k, where });
      expressions(v, where ? `${where}.${k}` : k, out);
    }
  }
}

// One parser call per file (each call costs ~15 ms): the templates are joined by newlines into one template and the
// references mapped back by position; a file whose joined templates do not parse is done one template at a time.
async function references(file, json) {
  const exprs = [];
  expressions(json, '', exprs);
  const out = [];
  const starts = [];
  let joined = '';
  for (const e of exprs) {
    starts.push(joined.length);
    joined += e.text + '\n';
  }
  try {
    for (const r of await getReferencesInExpression(file, joined)) {
      let i = starts.length - 1;
      while (i > 0 && starts[i] > r.startPosition) i--;
      out.push({ value: r.value, where: exprs[i].where });
    }
    return out;
  } catch (e) {
    out.length = 0;
    for (const x of exprs) {
      for (const r of await getReferencesInExpression(file, x.text)) out.push({ value: r.value, where: x.where });
    }
    return out;
  }
}

(async () => {
  const result = {};
  for (const file of process.argv.slice(2)) {
    try {
      const json = await parse(file, fs.readFileSync(file, 'utf8'));
      result[file] = { json, references: await references(file, json) };
    } catch (e) {
      result[file] = { error: String(e && e.message ? e.message : e) };
    }
  }
  // The WebAssembly runtime keeps timers alive: exit once the output is flushed.
  process.stdout.write(JSON.stringify(result), () => process.exit(0));
})().catch(e => { console.error(e.stack || e); process.exit(1); });
