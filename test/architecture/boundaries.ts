import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Module boundaries, read from the source: which module declares each table (its `@Entity('…')`), which
 * SQL names a table (literally, or through a variable whose declared values are table names), which TypeORM call
 * names a table or entity by a string, which file imports an entity. A module is the first folder under src/ or
 * libs/. Tables reached through names that only exist at run time (read from the catalogue) are not seen.
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

/** entity class name → its table, from the entities (TypeORM also accepts the class name as a string target). */
export function entityTables(files = sourceFiles()): Map<string, string> {
  const tables = new Map<string, string>();
  for (const rel of files) {
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    const re = /@Entity\(\s*(?:\{\s*name:\s*)?'([a-z0-9_]+)'[\s\S]*?\bclass\s+([A-Za-z0-9_]+)/g;
    for (const m of text.matchAll(re)) tables.set(m[2], m[1]);
  }
  return tables;
}

const SQL_TABLE = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|DELETE\s+FROM)\s+(?:ONLY\s+)?"?([a-z][a-z0-9_]*)"?/gi;

/** Text inside string and template literals (where SQL lives), comments left out. */
function literals(text: string): string[] {
  const out: string[] = [];
  const re = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g;
  for (const m of text.matchAll(re)) if (!m[0].startsWith('/')) out.push(m[0]);
  return out;
}

/** SQL whose table is interpolated: `FROM ${table}`, `JOIN ${TABLES[kind]}`, `INTO public.${q(name)}`. */
const SQL_INTERPOLATED = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:ONLY\s+)?(?:public\.)?"?\$\{([^}]*)\}/gi;

/**
 * TypeORM calls that name their target by a string, the table or the entity class (`getRepository('users')`,
 * `manager.insert('User', …)`, `qb.leftJoin('organizations', 'o', …)`): the same access as SQL, without the import.
 */
const ORM_STRING_TARGET =
  /\.(?:getRepository|getTreeRepository|createQueryBuilder|insert|update|upsert|delete|softDelete|restore|save|remove|find|findBy|findOne|findOneBy|findOneOrFail|findOneByOrFail|findAndCount|findAndCountBy|count|countBy|exists|existsBy|sum|average|minimum|maximum|increment|decrement|clear|from|into|innerJoin|leftJoin|innerJoinAndSelect|leftJoinAndSelect|innerJoinAndMapOne|innerJoinAndMapMany|leftJoinAndMapOne|leftJoinAndMapMany)\(\s*(['"`])([A-Za-z_][A-Za-z0-9_]*)\1/g;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The string values a name can hold, read cheaply from its declarations in the same file: `const t = 'users'`,
 * `const t = kind === 'issue' ? 'issues' : 'solutions'`, `const TABLES = { issue: 'issues' }`, or a parameter or
 * property typed `'issues' | 'solutions'`. A name that comes from elsewhere (a loop over the catalogue) is not resolved.
 */
function valuesOf(name: string, text: string): string[] {
  const n = escapeRe(name);
  const out: string[] = [];
  const decl = new RegExp(`\\b(?:const|let|var|readonly|private|public|protected)\\s+${n}\\s*(?::[^=;]*)?=\\s*([^;]*)`, 'g');
  const typed = new RegExp(`\\b${n}\\??\\s*:\\s*((?:'[^'\\n]*'\\s*\\|?\\s*)+)`, 'g');
  for (const re of [decl, typed]) for (const m of text.matchAll(re)) for (const v of m[1].matchAll(/'([a-z][a-z0-9_]*)'/g)) out.push(v[1]);
  return out;
}

/** The crossings of one source file of module `mod` (exported so the spec can check the detector on planted text). */
export function fileViolations(
  rel: string,
  text: string,
  owners: Map<string, string>,
  classes: Map<string, string> = new Map(),
): Violation[] {
  const mod = moduleOf(rel);
  const found = new Map<string, Violation>();
  if (!mod) return [];
  const sql = (table: string) => {
    const owner = owners.get(table);
    if (owner && owner !== mod) found.set(`${rel} sql ${table}`, { file: rel, kind: 'sql', target: table, owner });
  };
  for (const lit of literals(text)) {
    for (const m of lit.matchAll(SQL_TABLE)) sql(m[1].toLowerCase());
    // a table held in a variable: resolve the names in the interpolation to the string values declared for them
    for (const m of lit.matchAll(SQL_INTERPOLATED))
      for (const id of m[1].match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []) for (const v of valuesOf(id, text)) sql(v);
  }
  for (const m of text.matchAll(ORM_STRING_TARGET)) sql(classes.get(m[2]) ?? m[2]);
  for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]));
    if (!/(\/entities\/|\.entity$|\.entities$)/.test(target)) continue;
    const owner = moduleOf(target + '.ts');
    if (owner && owner !== mod && !owner.startsWith('libs/'))
      found.set(`${rel} import ${target}`, { file: rel, kind: 'entity-import', target, owner });
  }
  return [...found.values()];
}

export function violations(): Violation[] {
  const files = sourceFiles();
  const owners = tableOwners(files);
  const classes = entityTables(files);
  const found: Violation[] = [];
  for (const rel of files) {
    if (WHOLE_DATABASE_TOOLS.some((p) => rel.startsWith(p))) continue;
    found.push(...fileViolations(rel, fs.readFileSync(path.join(ROOT, rel), 'utf8'), owners, classes));
  }
  return found.sort((a, b) => `${a.file} ${a.target}`.localeCompare(`${b.file} ${b.target}`));
}

/** Module specifiers of a file's imports, re-exports, dynamic imports and requires. */
export function importSpecifiers(text: string): string[] {
  const re = /\b(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)(['"])([^'"\n]+)\1/g;
  return [...text.matchAll(re)].map((m) => m[2]);
}

/** `libs/` sits below the features: a libs file that imports from `src/` (relatively or by a rooted path). */
export function libsImportingSrc(files = sourceFiles(), read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8')): string[] {
  const out: string[] = [];
  for (const rel of files.filter((f) => f.startsWith('libs/'))) {
    for (const spec of importSpecifiers(read(rel))) {
      const target = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)) : spec;
      if (/^(?:\.\/)?src(?:\/|$)/.test(target)) out.push(`${rel} imports ${spec}`);
    }
  }
  return out;
}

export const key = (v: Violation) => `${v.file} ${v.kind} ${v.target}`;
