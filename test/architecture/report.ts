/**
 * `npm run boundaries` prints every module crossing; `npm run boundaries -- --write` rewrites the baseline
 * (only after paying crossings down: the spec refuses a baseline that grows).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { key, violations } from './boundaries';

const v = violations();
for (const x of v) console.log(`${key(x)}  (owned by ${x.owner})`);
const pairs = v.filter((x) => x.kind === 'sql').length;
console.log(`${v.length} crossings: ${pairs} (file, table) SQL pairs, ${v.length - pairs} entity imports`);
if (process.argv.includes('--write'))
  fs.writeFileSync(path.join(__dirname, 'boundaries-baseline.json'), JSON.stringify(v.map(key), null, 2) + '\n');
