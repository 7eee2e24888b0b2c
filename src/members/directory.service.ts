import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { uniqueIds } from '../../libs/common';
import type { OrganizationKind } from './entities/organization.entity';

/**
 * The members module's read model for every other module: names, kinds and memberships of organisations and
 * users, and the municipalities. Other modules never run SQL on `organizations`, `users` or `municipalities`;
 * they ask here (passing their EntityManager when they are inside a transaction).
 */
export interface OrgRef {
  id: string;
  name: string;
  kind: OrganizationKind;
  municipalityCode: string | null;
}

export interface UserRef {
  id: string;
  email: string;
  displayName: string;
  organizationId: string | null;
  organizationName: string | null;
  organizationKind: OrganizationKind | null;
  roles: string[];
  status: 'active' | 'disabled';
  digestEnabled: boolean;
}

export interface MunicipalityRef {
  code: string;
  name: string;
}

const ORG_COLUMNS = `o.id, o.name, o.kind, o.municipality_code AS "municipalityCode"`;
const USER_COLUMNS = `u.id, u.email, u.display_name AS "displayName", u.organization_id AS "organizationId",
  o.name AS "organizationName", o.kind AS "organizationKind", u.roles, u.status, u.digest_enabled AS "digestEnabled"`;
const USERS_FROM = `FROM users u LEFT JOIN organizations o ON o.id = u.organization_id`;

@Injectable()
export class MembersDirectory {
  private municipalityList: Promise<MunicipalityRef[]> | undefined;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db.manager;
  }

  /** Organisations by id (missing ids are simply absent from the map). */
  async organizations(ids: Iterable<string | null | undefined>, m?: EntityManager): Promise<Map<string, OrgRef>> {
    const list = uniqueIds(ids);
    if (!list.length) return new Map();
    const rows: OrgRef[] = await this.q(m).query(`SELECT ${ORG_COLUMNS} FROM organizations o WHERE o.id = ANY($1::uuid[])`, [list]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  async organization(id: string | null | undefined, m?: EntityManager): Promise<OrgRef | null> {
    if (!id) return null;
    return (await this.organizations([id], m)).get(id) ?? null;
  }

  /** Every member organisation of the given kinds (all but the secretariat when none are given), by kind then name. */
  async organizationsOfKind(kinds?: OrganizationKind[], m?: EntityManager): Promise<OrgRef[]> {
    return this.q(m).query(
      `SELECT ${ORG_COLUMNS} FROM organizations o
        WHERE ${kinds ? 'o.kind = ANY($1::text[])' : "o.kind <> 'secretariat'"}
        ORDER BY o.kind = 'municipality' DESC, o.municipality_code NULLS LAST, o.name`,
      kinds ? [kinds] : [],
    );
  }

  /** The municipality organisation registered for each given municipality code. */
  async municipalityOrganizations(codes: string[], m?: EntityManager): Promise<Map<string, OrgRef>> {
    if (!codes.length) return new Map();
    const rows: OrgRef[] = await this.q(m).query(
      `SELECT ${ORG_COLUMNS} FROM organizations o WHERE o.kind = 'municipality' AND o.municipality_code = ANY($1::varchar[])`,
      [codes],
    );
    return new Map(rows.map((r) => [r.municipalityCode!, r]));
  }

  /** Non-municipality organisations by exact name (the oldest of each name). */
  async organizationsByName(names: string[], m?: EntityManager): Promise<Map<string, OrgRef>> {
    if (!names.length) return new Map();
    const rows: OrgRef[] = await this.q(m).query(
      `SELECT DISTINCT ON (o.name) ${ORG_COLUMNS} FROM organizations o
        WHERE o.name = ANY($1::text[]) AND o.kind <> 'municipality' ORDER BY o.name, o.created_at`,
      [names],
    );
    return new Map(rows.map((r) => [r.name, r]));
  }

  /** Users by id, with their organisation's name and kind. */
  async users(ids: Iterable<string | null | undefined>, m?: EntityManager): Promise<Map<string, UserRef>> {
    const list = uniqueIds(ids);
    if (!list.length) return new Map();
    const rows: UserRef[] = await this.q(m).query(`SELECT ${USER_COLUMNS} ${USERS_FROM} WHERE u.id = ANY($1::uuid[])`, [list]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  async user(id: string | null | undefined, m?: EntityManager): Promise<UserRef | null> {
    if (!id) return null;
    return (await this.users([id], m)).get(id) ?? null;
  }

  /** An active user by e-mail address (compared lower-cased). */
  async activeUserByEmail(email: string, m?: EntityManager): Promise<UserRef | null> {
    const [row] = await this.q(m).query(`SELECT ${USER_COLUMNS} ${USERS_FROM} WHERE u.email = $1 AND u.status = 'active'`, [
      email.trim().toLowerCase(),
    ]);
    return row ?? null;
  }

  /** Active users of these organisations (for notifications), optionally only their administrators. */
  async usersOfOrganizations(orgIds: string[], opts: { adminsOnly?: boolean } = {}, m?: EntityManager): Promise<UserRef[]> {
    if (!orgIds.length) return [];
    return this.q(m).query(
      `SELECT ${USER_COLUMNS} ${USERS_FROM} WHERE u.organization_id = ANY($1::uuid[]) AND u.status = 'active'
        ${opts.adminsOnly ? "AND 'org_admin' = ANY(u.roles)" : ''} ORDER BY u.created_at`,
      [orgIds],
    );
  }

  /** Active secretariat users, oldest first. */
  async secretariatUsers(m?: EntityManager): Promise<UserRef[]> {
    return this.q(m).query(
      `SELECT ${USER_COLUMNS} ${USERS_FROM} WHERE 'secretariat' = ANY(u.roles) AND u.status = 'active' ORDER BY u.created_at`,
    );
  }

  /**
   * The organisation's own record and its users' records (every column as stored, credentials left out), for the
   * organisation's export of its data. Users of any status.
   */
  async organizationRecord(id: string, m?: EntityManager): Promise<Record<string, unknown> | null> {
    const [row] = await this.q(m).query(`SELECT to_jsonb(o) AS j FROM organizations o WHERE o.id = $1`, [id]);
    return row ? row.j : null;
  }

  async userRecords(organizationId: string, m?: EntityManager): Promise<Record<string, unknown>[]> {
    const rows: { j: Record<string, unknown> }[] = await this.q(m).query(
      `SELECT to_jsonb(u) - 'password_hash' AS j FROM users u WHERE u.organization_id = $1`,
      [organizationId],
    );
    return rows.map((r) => r.j);
  }

  /** The municipalities (reference data from the migrations), read once per process. */
  municipalities(): Promise<MunicipalityRef[]> {
    this.municipalityList ??= this.db.query(`SELECT code, name FROM municipalities ORDER BY code`);
    this.municipalityList.catch(() => (this.municipalityList = undefined));
    return this.municipalityList;
  }

  async municipalityNames(): Promise<Map<string, string>> {
    return new Map((await this.municipalities()).map((m) => [m.code, m.name]));
  }

  /** Member organisations (not the secretariat) registered before a time, counted per kind. */
  async organizationCountsByKind(createdBefore: Date, m?: EntityManager): Promise<Map<OrganizationKind, number>> {
    const rows: Array<{ kind: OrganizationKind; n: number }> = await this.q(m).query(
      `SELECT kind, count(*)::int AS n FROM organizations WHERE kind <> 'secretariat' AND created_at < $1 GROUP BY kind`,
      [createdBefore],
    );
    return new Map(rows.map((r) => [r.kind, r.n]));
  }

  // ---------------------------------------------------------------- demo content

  /**
   * Demo content only: the municipality organisation of each given municipality code, created (named after the
   * municipality) where missing, in the caller's transaction.
   */
  async ensureMunicipalityOrganizations(codes: string[], m?: EntityManager): Promise<Map<string, OrgRef>> {
    await this.q(m).query(
      `INSERT INTO organizations (name, kind, municipality_code)
       SELECT mu.name, 'municipality', mu.code FROM municipalities mu
       WHERE mu.code = ANY($1::varchar[])
         AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.kind = 'municipality' AND o.municipality_code = mu.code)`,
      [codes],
    );
    return this.municipalityOrganizations(codes, m);
  }

  /** Demo content only: non-municipality organisations by name, each created with its kind where no such name exists. */
  async ensureOrganizationsByName(orgs: Array<{ name: string; kind: OrganizationKind }>, m?: EntityManager): Promise<Map<string, OrgRef>> {
    await this.q(m).query(
      `INSERT INTO organizations (name, kind)
       SELECT n.name, n.kind FROM unnest($1::text[], $2::text[]) AS n(name, kind)
       WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.name = n.name AND o.kind <> 'municipality')`,
      [orgs.map((o) => o.name), orgs.map((o) => o.kind)],
    );
    return this.organizationsByName(
      orgs.map((o) => o.name),
      m,
    );
  }
}
