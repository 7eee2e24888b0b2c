import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileViolations, key, libsImportingSrc, violations } from './boundaries';

/**
 * A module runs SQL only on its own tables and imports no other module's entity (whole-database tools excepted).
 * The crossings that main still has are listed in boundaries-baseline.json, to be paid down: a new crossing
 * fails here, and so does a listed one that has gone (take it off the list, so the list only shrinks).
 */
const BASELINE = path.join(__dirname, 'boundaries-baseline.json');

describe('module boundaries', () => {
  const now = violations().map(key);
  const baseline: string[] = JSON.parse(fs.readFileSync(BASELINE, 'utf8'));

  it('no module adds SQL on another module’s table or imports another module’s entity', () => {
    const added = now.filter((k) => !baseline.includes(k));
    expect(added).toEqual([]);
  });

  it('the list of known crossings only shrinks', () => {
    const gone = baseline.filter((k) => !now.includes(k));
    expect(gone).toEqual([]);
  });

  it('libs/ never imports from src/', () => {
    expect(libsImportingSrc()).toEqual([]);
  });
});

/** The detector itself, on planted code: a check that cannot fail proves nothing. */
describe('the boundary detector', () => {
  const owners = new Map([
    ['users', 'src/members'],
    ['issues', 'src/issues'],
    ['solutions', 'src/solutions'],
    ['saved_searches', 'src/alerts'],
  ]);
  const classes = new Map([
    ['User', 'users'],
    ['SavedSearch', 'saved_searches'],
  ]);
  const found = (text: string, rel = 'src/alerts/planted.ts') => fileViolations(rel, text, owners, classes).map(key).sort();

  it('finds SQL naming another module’s table, and not the module’s own', () => {
    expect(found('db.query(`SELECT id FROM users u JOIN saved_searches s ON s.user_id = u.id`)')).toEqual([
      'src/alerts/planted.ts sql users',
    ]);
  });

  it('finds a table reached through TypeORM by its name or its entity class name as a string', () => {
    expect(found(`db.getRepository('users').find()`)).toEqual(['src/alerts/planted.ts sql users']);
    expect(found(`m.insert("User", { email })`)).toEqual(['src/alerts/planted.ts sql users']);
    expect(found(`qb.leftJoin('issues', 'i', 'i.id = s.issue_id')`)).toEqual(['src/alerts/planted.ts sql issues']);
    expect(found(`db.getRepository('SavedSearch').find(); qb.createQueryBuilder('s')`)).toEqual([]);
  });

  it('finds a table held in a variable and interpolated into SQL', () => {
    expect(found("const t = 'users';\nawait m.query(`SELECT * FROM ${t} WHERE id = $1`, [id]);")).toEqual([
      'src/alerts/planted.ts sql users',
    ]);
    expect(found("const table = kind === 'issue' ? 'issues' : 'solutions';\ndb.query(`SELECT id FROM ${table}`);")).toEqual([
      'src/alerts/planted.ts sql issues',
      'src/alerts/planted.ts sql solutions',
    ]);
    expect(found("async function titles(table: 'issues' | 'solutions') { return db.query(`SELECT title FROM \"${table}\"`); }")).toEqual([
      'src/alerts/planted.ts sql issues',
      'src/alerts/planted.ts sql solutions',
    ]);
    expect(found("const TABLES = { issue: 'issues' };\ndb.query(`UPDATE public.${TABLES[kind]} SET x = 1`);")).toEqual([
      'src/alerts/planted.ts sql issues',
    ]);
    expect(found("const t = 'saved_searches';\ndb.query(`DELETE FROM ${t}`);")).toEqual([]);
  });

  it('finds an import of another module’s entity', () => {
    expect(found(`import { User } from '../members/entities/user.entity';`)).toEqual([
      'src/alerts/planted.ts entity-import src/members/entities/user.entity',
    ]);
  });

  it('finds a libs file importing from src/', () => {
    const files = ['libs/common/planted.ts', 'libs/jobs/ok.ts'];
    const text: Record<string, string> = {
      'libs/common/planted.ts': `import { AppConfig } from '../../src/config/app-config';\nconst x = require('../../src/members/directory.service');`,
      'libs/jobs/ok.ts': `import { AppError } from '../common';\nimport { Pool } from 'pg';`,
    };
    expect(libsImportingSrc(files, (f) => text[f])).toEqual([
      'libs/common/planted.ts imports ../../src/config/app-config',
      'libs/common/planted.ts imports ../../src/members/directory.service',
    ]);
  });
});
