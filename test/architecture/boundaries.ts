import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Module boundaries, read from the source: which module declares each table (its `@Entity('…')`), which
 * SQL names a table, which file imports an entity. A module is the first folder under src/ or libs/.
 */
export interface Violation {
  file: string;
  kind: 'sql' | 'entity-import';
  target: string; // the table, or the imported entity file
  owner: string; // the module that owns it
}

/** Whole-database tools: they read and write every table by design. */
export const WHOLE_DATABASE_TOOLS = ['src/backup/', 'src/cli/', 'src/database/'];

const ROOT = path.resolve(__dirname, '../..');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function moduleOf(rel: string): string | undefined {
  const m = /^(src|libs)\/([^/]+)\//.exec(rel);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export function sourceFiles(): string[] {
  return ['src', 'libs'].flatMap((d) => walk(path.join(ROOT, d))).map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
}

/** table → owning module, from the entities. */
export function tableOwners(files = sourceFiles()): Map<string, string> {
  const owners = new Map<string, string>();
  for (const rel of files) {
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    for (const m of text.matchAll(/@Entity\(\s*(?:\{\s*name:\s*)?'([a-z0-9_]+)'/g)) owners.set(m[1], moduleOf(rel)!);
  }
  return owners;
}

const SQL_TABLE = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|DELETE\s+FROM)\s+(?:ONLY\s+)?"?([a-z][a-z0-9_]*)"?/gi;

/** Text inside string and template literals (where SQL lives), comments left out. */
function literals(text: string): string[] {
  const out: string[] = [];
  const re = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g;
  for (const m of text.matchAll(re)) if (!m[0].startsWith('/')) out.push(m[0]);
  return out;
}

export function violations(): Violation[] {
  const files = sourceFiles();
  const owners = tableOwners(files);
  const found = new Map<string, Violation>();
  for (const rel of files) {
    if (WHOLE_DATABASE_TOOLS.some((p) => rel.startsWith(p))) continue;
    const mod = moduleOf(rel);
    if (!mod) continue;
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    for (const lit of literals(text)) {
      for (const m of lit.matchAll(SQL_TABLE)) {
        const table = m[1].toLowerCase();
        const owner = owners.get(table);
        if (owner && owner !== mod) found.set(`${rel} sql ${table}`, { file: rel, kind: 'sql', target: table, owner });
      }
    }
    for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]));
      if (!/(\/entities\/|\.entity$|\.entities$)/.test(target)) continue;
      const owner = moduleOf(target + '.ts');
      if (owner && owner !== mod && !owner.startsWith('libs/'))
        found.set(`${rel} import ${target}`, { file: rel, kind: 'entity-import', target, owner });
    }
  }
  return [...found.values()].sort((a, b) => `${a.file} ${a.target}`.localeCompare(`${b.file} ${b.target}`));
}

export const key = (v: Violation) => `${v.file} ${v.kind} ${v.target}`;
