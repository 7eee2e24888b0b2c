import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import { recordTransition, transitionEntity } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, type Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDirectory } from '../solutions/solutions.directory';
import type { AwardDto, PitchApplyDto } from './dto/pitch.dto';
import type { PitchCriterion } from './entities/event.entity';
import { PitchApplication } from './entities/pitch.entities';
import { pitchWorkflow, type PitchAction, type PitchStatus } from './events.state';

export interface PitchView {
  id: string;
  eventId: string;
  solution: { id: string; title: string };
  organization: { id: string; name: string };
  title: string;
  summary: string;
  status: PitchStatus;
  award: string | null;
  /** the decisions the caller may take on it now (the secretariat's select and reject, until the awards are announced) */
  actions: PitchAction[];
  createdAt: Date;
}

export interface ScoreSheet {
  judgeName: string;
  scores: Record<string, number>;
  total: number;
  comment: string | null;
  submittedAt: Date;
}

export interface JudgingPitch extends PitchView {
  mine: ScoreSheet | null;
  /** other judges' sheets: only once the caller has submitted their own for this pitch */
  others: ScoreSheet[] | null;
  average: number | null;
}

/**
 * Pitch days: startups apply with a published solution, the secretariat selects presenters and assigns
 * judges, judges score each selected pitch 1–5 per criterion (blind until they submit), and the
 * secretariat announces the awards. Solutions come from the solutions directory, organisations and people
 * from the members directory.
 */
@Injectable()
export class PitchesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly members: MembersDirectory,
    private readonly solutions: SolutionsDirectory,
  ) {}

  private async pitchEvent(m: EntityManager, eventId: string, p: Principal, lock = false) {
    if (!/^[0-9a-f-]{36}$/i.test(eventId)) throw new AppError(404, 'notFound');
    const [e] = await m.query(
      `SELECT id, kind, status, title, starts_at, ends_at, pitch_criteria, awards_announced_at FROM events WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [eventId],
    );
    if (!e || (e.status === 'draft' && !isSecretariat(p))) throw new AppError(404, 'notFound');
    if (e.kind !== 'pitch') throw new AppError(409, 'events.notPitch');
    return e as {
      id: string;
      kind: string;
      status: string;
      title: string;
      starts_at: Date;
      ends_at: Date;
      pitch_criteria: PitchCriterion[];
      awards_announced_at: Date | null;
    };
  }

  /** Application rows → views, with the solution's title and the organisation's name; `awardsAnnounced` closes the decisions. */
  private async views(rows: any[], p: Principal | undefined, awardsAnnounced: boolean): Promise<PitchView[]> {
    const [solutions, orgs] = await Promise.all([
      this.solutions.solutions(rows.map((r) => r.solution_id)),
      this.members.organizations(rows.map((r) => r.organization_id)),
    ]);
    return rows
      .filter((r) => solutions.has(r.solution_id) && orgs.has(r.organization_id))
      .map((r) => ({
        id: r.id,
        eventId: r.event_id,
        solution: { id: r.solution_id, title: solutions.get(r.solution_id)!.title },
        organization: { id: r.organization_id, name: orgs.get(r.organization_id)!.name },
        title: r.title,
        summary: r.summary,
        status: r.status,
        award: r.award,
        actions: pitchWorkflow.available(r.status, { principal: p, awardsAnnounced }),
        createdAt: r.created_at,
      }));
  }

  private readonly select = `SELECT a.*, e.awards_announced_at FROM pitch_applications a JOIN events e ON e.id = a.event_id`;

  /** Published solutions of the caller's organisation (the apply form's choices), by title. */
  async mySolutions(p: Principal): Promise<{ id: string; title: string }[]> {
    if (!p.organizationId) return [];
    const mine = await this.solutions.publishedSolutions({ organizationId: p.organizationId });
    return mine.map((s) => ({ id: s.id, title: s.title })).sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  }

  async apply(eventId: string, dto: PitchApplyDto, p: Principal): Promise<PitchView> {
    if (!p.organizationId || p.organizationKind === 'municipality') throw new AppError(403, 'events.pitchOnlyCompanies');
    const id = await this.db.transaction(async (m) => {
      const e = await this.pitchEvent(m, eventId, p);
      if (e.status !== 'published') throw new AppError(409, 'events.cancelled');
      if (e.starts_at.getTime() <= Date.now()) throw new AppError(409, 'events.registrationClosed');
      const s = await this.solutions.solution(dto.solutionId, m);
      if (!s || s.organizationId !== p.organizationId || s.status !== 'published')
        throw new AppError(400, 'events.unknownSolution', {}, { solutionId: ['events.unknownSolution'] });
      const [dup] = await m.query(`SELECT 1 FROM pitch_applications WHERE event_id = $1 AND solution_id = $2 AND status <> 'withdrawn'`, [
        eventId,
        s.id,
      ]);
      if (dup) throw new AppError(409, 'events.alreadyApplied');
      const [row] = await m.query(
        `INSERT INTO pitch_applications (event_id, solution_id, organization_id, applicant_id, title, summary) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [eventId, s.id, p.organizationId, p.userId, dto.title?.trim() || s.title, dto.summary.trim()],
      );
      await recordTransition(m, pitchWorkflow, { subjectId: row.id, from: null, to: 'applied', actorId: p.userId });
      return row.id as string;
    });
    return this.get(id, p);
  }

  private async get(id: string, p: Principal): Promise<PitchView> {
    const [r] = await this.db.query(`${this.select} WHERE a.id = $1`, [id]);
    const [view] = r ? await this.views([r], p, !!r.awards_announced_at) : [];
    if (!view) throw new AppError(404, 'notFound');
    return view;
  }

  /** Secretariat: every application; others: their own organisation's; everyone: the selected presenters. */
  async list(eventId: string, p: Principal | undefined): Promise<PitchView[]> {
    const rows = await this.db.query(`${this.select} WHERE a.event_id = $1 ORDER BY a.sort_order, a.created_at`, [eventId]);
    const visible = rows.filter(
      (r: any) => isSecretariat(p) || r.status === 'selected' || (p?.organizationId && r.organization_id === p.organizationId),
    );
    return this.views(visible, p, !!rows[0]?.awards_announced_at);
  }

  /** The secretariat selects or declines an application (`selected` → the select action, `rejected` → reject). */
  async decide(applicationId: string, decision: 'selected' | 'rejected', actor: Principal, ip?: string): Promise<PitchView> {
    await this.db.transaction(async (m) => {
      const [a] = await m.query(
        `SELECT a.id, a.status, a.event_id, a.applicant_id, a.title FROM pitch_applications a WHERE a.id = $1 FOR UPDATE`,
        [applicationId],
      );
      if (!a) throw new AppError(404, 'notFound');
      const e = await this.pitchEvent(m, a.event_id, actor);
      if (e.awards_announced_at) throw new AppError(409, 'events.awardsAlreadyAnnounced');
      const action: PitchAction = decision === 'selected' ? 'select' : 'reject';
      const to = pitchWorkflow.assertAction(action, a.status, { principal: actor, awardsAnnounced: false });
      await transitionEntity(
        m,
        pitchWorkflow,
        PitchApplication,
        a.id,
        { from: a.status, to, actorId: actor.userId },
        { set: { updatedAt: new Date(), award: null } },
      );
      const applicant = await this.members.user(a.applicant_id, m);
      await this.audit.record(
        { actorId: actor.userId, action: `pitch.${decision}`, subjectType: 'pitch_application', subjectId: a.id, ip },
        m,
      );
      if (applicant)
        await this.mail.send(
          {
            to: applicant.email,
            template: to === 'selected' ? 'pitchSelected' : 'pitchNotSelected',
            params: { name: applicant.displayName, title: e.title, pitch: a.title, link: `/events/${e.id}` },
          },
          m,
        );
    });
    return this.get(applicationId, actor);
  }

  async judges(eventId: string): Promise<{ userId: string; name: string; organizationName: string | null }[]> {
    const rows = await this.db.query(`SELECT j.user_id FROM pitch_judges j WHERE j.event_id = $1 ORDER BY j.created_at`, [eventId]);
    const people = await this.members.users(rows.map((r: any) => r.user_id));
    return rows
      .filter((r: any) => people.has(r.user_id))
      .map((r: any) => ({
        userId: r.user_id,
        name: people.get(r.user_id)!.displayName,
        organizationName: people.get(r.user_id)!.organizationName,
      }));
  }

  /** People the secretariat may assign as judges (active users), by e-mail. */
  async userByEmail(email: string): Promise<string | null> {
    return (await this.members.activeUserByEmail(String(email)))?.id ?? null;
  }

  async assignJudge(eventId: string, userId: string, actor: Principal): Promise<void> {
    await this.db.transaction(async (m) => {
      await this.pitchEvent(m, eventId, actor);
      const u = await this.members.user(userId, m);
      if (u?.status !== 'active') throw new AppError(400, 'events.unknownUser', {}, { userId: ['events.unknownUser'] });
      // like subsidy reviewers: nobody judges a pitch day where their own organisation pitches
      const [own] = await m.query(
        `SELECT 1 FROM pitch_applications WHERE event_id = $1 AND organization_id = $2 AND status <> 'withdrawn'`,
        [eventId, u.organizationId],
      );
      if (own) throw new AppError(409, 'events.judgeOwnOrganization', {}, { userId: ['events.judgeOwnOrganization'] });
      await m.query(`INSERT INTO pitch_judges (event_id, user_id, assigned_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
        eventId,
        userId,
        actor.userId,
      ]);
      await this.audit.record(
        { actorId: actor.userId, action: 'pitch.judge.assign', subjectType: 'event', subjectId: eventId, data: { userId } },
        m,
      );
    });
  }

  async removeJudge(eventId: string, userId: string, actor: Principal): Promise<void> {
    await this.pitchEvent(this.db.manager, eventId, actor);
    const [, n] = await this.db.query(`DELETE FROM pitch_judges WHERE event_id = $1 AND user_id = $2`, [eventId, userId]);
    if (!n) throw new AppError(404, 'notFound');
  }

  async isJudge(eventId: string, userId: string): Promise<boolean> {
    const [r] = await this.db.query(`SELECT 1 FROM pitch_judges WHERE event_id = $1 AND user_id = $2`, [eventId, userId]);
    return !!r;
  }

  /** Pitch days the caller judges (for their pages). */
  async judgingAssignments(userId: string): Promise<{ eventId: string; title: string; startsAt: Date }[]> {
    const rows = await this.db.query(
      `SELECT e.id, e.title, e.starts_at FROM pitch_judges j JOIN events e ON e.id = j.event_id WHERE j.user_id = $1 AND e.status = 'published' ORDER BY e.starts_at DESC`,
      [userId],
    );
    return rows.map((r: any) => ({ eventId: r.id, title: r.title, startsAt: r.starts_at }));
  }

  /**
   * The judging sheet: selected pitches with the caller's own scores; another judge's scores of a pitch
   * appear only after the caller has submitted theirs. The secretariat sees everything.
   */
  async judging(
    eventId: string,
    p: Principal,
  ): Promise<{ event: { id: string; title: string; startsAt: Date }; criteria: PitchCriterion[]; pitches: JudgingPitch[] }> {
    const e = await this.pitchEvent(this.db.manager, eventId, p);
    const secretariat = isSecretariat(p);
    if (!secretariat && !(await this.isJudge(eventId, p.userId))) throw new AppError(403, 'events.notJudge');
    const apps = await this.db.query(`${this.select} WHERE a.event_id = $1 AND a.status = 'selected' ORDER BY a.sort_order, a.created_at`, [
      eventId,
    ]);
    const sheets = await this.db.query(
      `SELECT sc.application_id, sc.judge_id, sc.scores, sc.total, sc.comment, sc.submitted_at
         FROM pitch_scores sc JOIN pitch_applications a ON a.id = sc.application_id
        WHERE a.event_id = $1 ORDER BY sc.submitted_at`,
      [eventId],
    );
    const judges = await this.members.users(sheets.map((s: any) => s.judge_id));
    const sheet = (s: any): ScoreSheet => ({
      judgeName: judges.get(s.judge_id)?.displayName ?? '',
      scores: s.scores,
      total: s.total,
      comment: s.comment,
      submittedAt: s.submitted_at,
    });
    const views = await this.views(apps, p, !!e.awards_announced_at);
    const pitches = views.map((a) => {
      const all = sheets.filter((s: any) => s.application_id === a.id);
      const mine = all.find((s: any) => s.judge_id === p.userId);
      const visible = secretariat || !!mine;
      return {
        ...a,
        mine: mine ? sheet(mine) : null,
        others: visible ? all.filter((s: any) => s.judge_id !== p.userId).map(sheet) : null,
        average: visible && all.length ? Math.round((all.reduce((n: number, s: any) => n + s.total, 0) / all.length) * 10) / 10 : null,
      };
    });
    return { event: { id: e.id, title: e.title, startsAt: e.starts_at }, criteria: e.pitch_criteria, pitches };
  }

  /** A judge submits their score sheet for one pitch, once (1–5 for every published criterion). */
  async score(applicationId: string, scores: Record<string, unknown>, comment: string | undefined, p: Principal): Promise<ScoreSheet> {
    return this.db.transaction(async (m) => {
      const [a] = await m.query(`SELECT id, event_id, status, organization_id FROM pitch_applications WHERE id = $1`, [applicationId]);
      if (!a) throw new AppError(404, 'notFound');
      const e = await this.pitchEvent(m, a.event_id, p);
      const [j] = await m.query(`SELECT 1 FROM pitch_judges WHERE event_id = $1 AND user_id = $2`, [e.id, p.userId]);
      if (!j) throw new AppError(403, 'events.notJudge');
      if (p.organizationId && a.organization_id === p.organizationId) throw new AppError(403, 'events.ownPitch');
      if (a.status !== 'selected') throw new AppError(409, 'events.pitchNotSelected');
      if (e.awards_announced_at) throw new AppError(409, 'events.awardsAlreadyAnnounced');
      const clean: Record<string, number> = {};
      const errors: Record<string, string[]> = {};
      for (const c of e.pitch_criteria) {
        const v = Number(scores?.[c.key]);
        if (!Number.isInteger(v) || v < 1 || v > 5) errors[`scores.${c.key}`] = ['events.scoreRange'];
        else clean[c.key] = v;
      }
      const unknown = Object.keys(scores ?? {}).filter((k) => !e.pitch_criteria.some((c) => c.key === k));
      if (unknown.length) errors.scores = ['events.unknownCriterion'];
      if (Object.keys(errors).length) throw new AppError(400, 'events.invalidScores', {}, errors);
      const total = Object.values(clean).reduce((n, v) => n + v, 0);
      const [existing] = await m.query(`SELECT 1 FROM pitch_scores WHERE application_id = $1 AND judge_id = $2`, [a.id, p.userId]);
      if (existing) throw new AppError(409, 'events.alreadyScored');
      const [row] = await m.query(
        `INSERT INTO pitch_scores (application_id, judge_id, scores, total, comment) VALUES ($1, $2, $3, $4, $5) RETURNING submitted_at`,
        [a.id, p.userId, JSON.stringify(clean), total, comment?.trim() || null],
      );
      return { judgeName: p.displayName, scores: clean, total, comment: comment?.trim() || null, submittedAt: row.submitted_at };
    });
  }

  /** The secretariat announces the awards (e.g. 優秀賞); they then show on the solution pages. */
  async announceAwards(eventId: string, awards: AwardDto[], actor: Principal, ip?: string): Promise<PitchView[]> {
    await this.db.transaction(async (m) => {
      const e = await this.pitchEvent(m, eventId, actor, true);
      if (e.status !== 'published') throw new AppError(409, 'events.cancelled');
      if (!awards.length) throw new AppError(400, 'events.noAwards', {}, { awards: ['events.noAwards'] });
      for (const aw of awards) {
        const [, n] = await m.query(
          `UPDATE pitch_applications SET award = $3, updated_at = now() WHERE id = $1 AND event_id = $2 AND status = 'selected'`,
          [aw.applicationId, eventId, aw.award.trim()],
        );
        if (!n) throw new AppError(400, 'events.awardNotSelected', {}, { awards: ['events.awardNotSelected'] });
      }
      await m.query(`UPDATE events SET awards_announced_at = now(), updated_at = now() WHERE id = $1`, [eventId]);
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'pitch.awards.announce',
          subjectType: 'event',
          subjectId: eventId,
          ip,
          data: { awards: awards.map((a) => ({ ...a })) },
        },
        m,
      );
    });
    return (await this.list(eventId, actor)).filter((a) => a.award);
  }
}
