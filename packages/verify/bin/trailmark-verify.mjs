#!/usr/bin/env node
// trailmark-verify <export file> [--key <verifier key>]...: exit 0 when every row is proven, 1 otherwise.
import { verifyExportFile } from '../src/verify.mjs';

const args = process.argv.slice(2);
const keys = [];
let file;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--key') keys.push(args[++i]);
  else if (args[i] === '-h' || args[i] === '--help') file = undefined;
  else file = args[i];
}
if (!file) {
  console.error('usage: trailmark-verify <export.ndjson> [--key <name+keyid+base64>]...');
  process.exit(2);
}
const result = await verifyExportFile(file, { trustedKeys: keys });
for (const p of result.problems.slice(0, 1000))
  console.log(
    `INVALID line ${p.line}${p.log_index !== undefined ? ` (log index ${p.log_index}${p.event_id ? `, event ${p.event_id}` : ''})` : ''}: ${p.message}`,
  );
if (result.problems.length > 1000) console.log(`... and ${result.problems.length - 1000} more`);
if (result.tree_size !== undefined) {
  console.log(
    `${result.tenant}: ${result.rows} rows (${result.removed} purged or erased) against the checkpoint of ${result.tree_size} leaves (${result.origin}), key ${result.key}`,
  );
  if (result.key_from_file)
    console.log("warning: the key was taken from the file itself; pin the operator's key with --key");
}
console.log(
  result.ok
    ? 'valid: every row is proven by the signed checkpoint'
    : `${result.problems.length} problem(s) found`,
);
process.exit(result.ok ? 0 : 1);
