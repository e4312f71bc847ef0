// Compile one Aqua function with Fluence's compiler (@fluencelabs/aqua-api 0.14.6), imports
// resolved beside the file and in the oracle's node_modules (aqua-lib):
//   node tests/aqua/tools/compile_fluence.mjs FILE.aqua FUNC OUT.air [--no-relay]
// The oracle's sim.mjs --compile resolves only aqua-lib imports; this is for programs that
// import or `use` a file of their own. Record the run afterwards with `sim.mjs --regen`
// (without --compile, so this script.air is kept).
import fs from 'fs';
import os from 'os';
import path from 'path';
import { pathToFileURL } from 'url';

const NM = process.env.ORACLE_NODE_MODULES
  || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'aqua-oracle', 'node_modules');
const [file, func, out, flag] = process.argv.slice(2);
const { compileFromString } = await import(pathToFileURL(path.join(NM, '@fluencelabs/aqua-api/index.js')).href);
const res = await compileFromString({
  code: fs.readFileSync(file, 'utf8'),
  imports: [NM, path.dirname(path.resolve(file))],
  noRelay: flag === '--no-relay', noXor: false, targetType: 'air',
});
if (res.errors && res.errors.length) {
  console.error(res.errors.join('\n').replace(/\x1b\[[0-9;]*m/g, ''));
  process.exit(1);
}
if (!res.functions[func]) {
  console.error(`no function ${func}; exported: ${Object.keys(res.functions).join(', ')}`);
  process.exit(1);
}
fs.writeFileSync(out, res.functions[func].script);
