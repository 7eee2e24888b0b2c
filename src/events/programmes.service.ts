import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import type { Principal } from '../auth/principal';
import { IssuesDirectory } from '../issues/issues.directory';
import { MembersDirectory } from '../members/directory.service';
import type { PresentationDto } from './dto/event.dto';
import type { EventKind } from './entities/event.entity';
import { EventRecords } from './event-records';
import type { PresentationView } from './events.model';

/**
 * Meet-Up programmes: which municipality presents which published issues, in which slot. Issue titles and states
 * come from the issues module's directory, municipality names from the members directory.
 */
@Injectable()
export class ProgrammesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: EventRecords,
    private readonly issues: IssuesDirectory,
    private readonly members: MembersDirectory,
  ) {}

  /** The programme of an event, in order; each slot lists its presented issues that are not drafts. */
  async presentations(eventId: string, m: EntityManager = this.db.manager): Promise<PresentationView[]> {
    const rows = await m.query(
      `SELECT p.id, p.sort_order, p.municipality_code, p.title, p.starts_at, p.ends_at,
              COALESCE((SELECT json_agg(pi.issue_id ORDER BY pi.sort_order) FROM event_presentation_issues pi WHERE pi.presentation_id = p.id), '[]') AS issue_ids
         FROM event_presentations p
        WHERE p.event_id = $1 ORDER BY p.sort_order, p.starts_at NULLS LAST, p.created_at`,
      [eventId],
    );
    const [names, issues] = await Promise.all([
      this.members.municipalityNames(),
      this.issues.issues(
        rows.flatMap((r: any) => r.issue_ids as string[]),
        m,
      ),
    ]);
    return rows
      .filter((r: any) => names.has(r.municipality_code))
      .map((r: any) => ({
        id: r.id,
        order: r.sort_order,
        municipality: { code: r.municipality_code, name: names.get(r.municipality_code)! },
        title: r.title,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        issues: (r.issue_ids as string[])
          .map((id) => issues.get(id))
          .filter((i) => !!i && i.status !== 'draft')
          .map((i) => ({ id: i!.id, title: i!.title })),
      }));
  }

  /** "Presented at …" for the issue page: the published events where this issue was presented. */
  async presentationsForIssue(
    issueId: string,
  ): Promise<
    { eventId: string; title: string; kind: EventKind; startsAt: Date; endsAt: Date; municipality: { code: string; name: string } }[]
  > {
    const rows = await this.db.query(
      `SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at, p.municipality_code
         FROM event_presentation_issues pi
         JOIN event_presentations p ON p.id = pi.presentation_id
         JOIN events e ON e.id = p.event_id
        WHERE pi.issue_id = $1 AND e.status = 'published'
        ORDER BY e.starts_at DESC`,
      [issueId],
    );
    const names = await this.members.municipalityNames();
    return rows
      .filter((r: any) => names.has(r.municipality_code))
      .map((r: any) => ({
        eventId: r.id,
        title: r.title,
        kind: r.kind,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        municipality: { code: r.municipality_code, name: names.get(r.municipality_code)! },
      }));
  }

  /** Issue ids → published issues with their municipality (400 if one is unknown or not published). */
  private async publishedIssues(m: EntityManager, ids: string[]): Promise<Map<string, { id: string; municipalityCode: string }>> {
    const unique = [...new Set(ids)];
    const out = new Map<string, { id: string; municipalityCode: string }>();
    if (!unique.length) return out;
    for (const i of (await this.issues.issues(unique, m)).values())
      if (i.status === 'published') out.set(i.id, { id: i.id, municipalityCode: i.municipalityCode });
    if (out.size !== unique.length) throw new AppError(400, 'events.unknownIssues', {}, { issueIds: ['events.unknownIssues'] });
    return out;
  }

  /** Replaces the Meet-Up programme. Top-level issueIds become one presentation per municipality. */
  async writeProgramme(
    m: EntityManager,
    eventId: string,
    presentations: PresentationDto[] | undefined,
    issueIds: string[] | undefined,
  ): Promise<void> {
    const items: PresentationDto[] = [...(presentations ?? [])];
    if (issueIds?.length) {
      const issues = await this.publishedIssues(m, issueIds);
      for (const id of issueIds) {
        const code = issues.get(id)!.municipalityCode;
        let p = items.find((x) => x.municipalityCode === code);
        if (!p) items.push((p = { municipalityCode: code, issueIds: [] }));
        if (!p.issueIds!.includes(id)) p.issueIds = [...(p.issueIds ?? []), id];
      }
    }
    await m.query(`DELETE FROM event_presentations WHERE event_id = $1`, [eventId]);
    let order = 0;
    for (const p of items) await this.insertPresentation(m, eventId, p, (order += 10));
  }

  private async insertPresentation(m: EntityManager, eventId: string, p: PresentationDto, defaultOrder: number): Promise<string> {
    if (!(await this.members.municipalityNames()).has(p.municipalityCode))
      throw new AppError(
        400,
        'events.unknownMunicipality',
        { code: p.municipalityCode },
        { municipalityCode: ['events.unknownMunicipality'] },
      );
    const issues = await this.publishedIssues(m, p.issueIds ?? []);
    for (const i of issues.values())
      if (i.municipalityCode !== p.municipalityCode)
        throw new AppError(400, 'events.issueOfOtherMunicipality', {}, { issueIds: ['events.issueOfOtherMunicipality'] });
    const startsAt = p.startsAt ? new Date(p.startsAt) : null;
    const endsAt = p.endsAt ? new Date(p.endsAt) : null;
    if (startsAt && endsAt && endsAt <= startsAt)
      throw new AppError(400, 'events.endBeforeStart', {}, { slotEnd: ['events.endBeforeStart'] });
    const [row] = await m.query(
      `INSERT INTO event_presentations (event_id, municipality_code, title, sort_order, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [eventId, p.municipalityCode, p.title?.trim() || null, p.order ?? defaultOrder, startsAt, endsAt],
    );
    let i = 0;
    for (const issueId of [...new Set(p.issueIds ?? [])])
      await m.query(`INSERT INTO event_presentation_issues (presentation_id, issue_id, sort_order) VALUES ($1, $2, $3)`, [
        row.id,
        issueId,
        i++,
      ]);
    return row.id;
  }

  /** Adds one slot at the end of the programme (not on a cancelled event). */
  async addPresentation(eventId: string, p: PresentationDto, actor: Principal): Promise<void> {
    await this.db.transaction(async (m) => {
      const e = await this.records.visibleEvent(m, eventId, actor, true);
      if (e.status === 'cancelled') throw new AppError(409, 'events.cancelled');
      const [{ max }] = await m.query(`SELECT COALESCE(max(sort_order), 0)::int AS max FROM event_presentations WHERE event_id = $1`, [
        eventId,
      ]);
      await this.insertPresentation(m, eventId, p, max + 10);
    });
  }

  async removePresentation(eventId: string, presentationId: string, actor: Principal): Promise<void> {
    await this.records.visibleEvent(this.db.manager, eventId, actor);
    const [, n] = await this.db.query(`DELETE FROM event_presentations WHERE id = $1 AND event_id = $2`, [presentationId, eventId]);
    if (!n) throw new AppError(404, 'notFound');
  }

  /** Published issues a Meet-Up may present (for the programme form), latest publication first. */
  async publishedIssuesFor(codes: string[]): Promise<{ id: string; title: string; municipalityCode: string }[]> {
    const issues = await this.issues.publishedIssues(codes.length ? { municipalityCodes: codes } : {});
    return issues
      .reverse()
      .slice(0, 200)
      .map((i) => ({ id: i.id, title: i.title, municipalityCode: i.municipalityCode }));
  }

  municipalities(): Promise<{ code: string; name: string }[]> {
    return this.members.municipalities();
  }
}
