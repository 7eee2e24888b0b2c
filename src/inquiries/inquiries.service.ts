import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, Page } from '../../libs/common';
import { isSecretariat, Principal } from '../auth/principal';
import { IssuesDirectory } from '../issues/issues.directory';
import { IssuesService, isUuid } from '../issues/issues.service';
import { MailService } from '../mail/mail.service';
import { cleanText } from '../catalog/text';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDirectory } from '../solutions/solutions.directory';
import { SolutionsService } from '../solutions/solutions.service';
import type { CreateInquiryDto } from './dto/inquiry.dto';
import { MESSAGE_MAX } from './dto/inquiry.dto';

export interface InquiryParty {
  id: string;
  name: string;
  kind: string;
}

export interface InquiryMessageView {
  id: string;
  body: string;
  author: { id: string | null; name: string; organization: InquiryParty };
  mine: boolean;
  createdAt: Date;
}

export interface InquiryThreadView {
  id: string;
  subject: string;
  issue: { id: string; title: string } | null;
  solution: { id: string; title: string } | null;
  /** the organisation that asked */
  from: InquiryParty;
  /** the issue's municipality or the solution's provider */
  to: InquiryParty;
  /** the other side, seen from the caller (for the secretariat: the asking organisation) */
  counterpart: InquiryParty;
  createdAt: Date;
  lastMessageAt: Date;
  messageCount: number;
  unreadCount: number;
  lastMessage: { excerpt: string; authorName: string; createdAt: Date } | null;
}

export interface InquiryThreadDetail extends InquiryThreadView {
  messages: InquiryMessageView[];
  /** false for the secretariat (reads, does not take part) */
  canReply: boolean;
}

/** What an issue or solution page shows in its 「問い合わせる」 section. */
export interface InquirySlot {
  kind: 'issue' | 'solution';
  itemId: string;
  canAsk: boolean;
  /** this organisation's existing threads about the item */
  threads: Array<{ id: string; subject: string; lastMessageAt: Date; unreadCount: number }>;
}

/** Threads with their counts and last message; the names of organisations, items and authors are added by `named`. */
const THREAD_SELECT = `
  SELECT t.id, t.subject, t.issue_id, t.solution_id, t.created_at, t.last_message_at,
         t.from_organization_id, t.to_organization_id,
         (SELECT count(*)::int FROM inquiry_messages mm WHERE mm.thread_id = t.id) AS message_count,
         (SELECT count(*)::int FROM inquiry_messages mm
            WHERE mm.thread_id = t.id AND mm.author_id IS DISTINCT FROM $1
              AND mm.id > coalesce((SELECT r.last_read_message_id FROM inquiry_reads r WHERE r.thread_id = t.id AND r.user_id = $1), 0)) AS unread_count,
         lm.body AS last_body, lm.created_at AS last_at, lm.author_id AS last_author_id
  FROM inquiry_threads t
  LEFT JOIN LATERAL (SELECT m.body, m.created_at, m.author_id FROM inquiry_messages m WHERE m.thread_id = t.id ORDER BY m.id DESC LIMIT 1) lm ON true`;

/**
 * Inquiries (問い合わせ): a company asks about a municipality's published issue, a municipality about a company's
 * published solution. Only the two organisations and the secretariat can see a thread (404 for everyone else).
 */
@Injectable()
export class InquiriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly issues: IssuesService,
    private readonly solutions: SolutionsService,
    private readonly mail: MailService,
    private readonly members: MembersDirectory,
    private readonly issueDirectory: IssuesDirectory,
    private readonly solutionDirectory: SolutionsDirectory,
  ) {}

  // ---------------------------------------------------------------- writes

  async create(p: Principal, dto: CreateInquiryDto, lang = 'ja'): Promise<InquiryThreadDetail> {
    if (!!dto.issueId === !!dto.solutionId) {
      throw new AppError(400, 'inquiries.exactlyOneItem', {}, { [dto.issueId ? 'solutionId' : 'issueId']: ['inquiries.exactlyOneItem'] });
    }
    if (!p.organizationId || isSecretariat(p) || p.organizationKind === 'secretariat') throw new AppError(403, 'inquiries.membersOnly');
    const subject = required(dto.subject, 'subject', 200);
    const message = required(dto.message, 'message', MESSAGE_MAX);
    let target: { organizationId: string; status: string; title: string };
    if (dto.issueId) {
      const issue = await this.issues.getVisibleIssue(dto.issueId, p, lang);
      target = { organizationId: issue.organization.id, status: issue.status, title: issue.title };
      if (target.organizationId === p.organizationId) throw new AppError(400, 'inquiries.ownOrganization');
      if (p.organizationKind === 'municipality') throw new AppError(403, 'inquiries.issueAskers');
    } else {
      const sol = await this.solutions.getVisibleSolution(dto.solutionId!, p, lang);
      target = { organizationId: sol.organization.id, status: sol.status, title: sol.title };
      if (target.organizationId === p.organizationId) throw new AppError(400, 'inquiries.ownOrganization');
      if (p.organizationKind !== 'municipality') throw new AppError(403, 'inquiries.solutionAskers');
    }
    if (target.status !== 'published') throw new AppError(409, 'inquiries.notPublished');

    const id = await this.db.transaction(async (m) => {
      const [thread] = await m.query(
        `INSERT INTO inquiry_threads (issue_id, solution_id, from_organization_id, to_organization_id, subject, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [dto.issueId ?? null, dto.solutionId ?? null, p.organizationId, target.organizationId, subject, p.userId],
      );
      await this.insertMessage(m, thread.id, p, message);
      await this.notifyOtherSide(m, thread.id, target.organizationId, p, 'inquiryNew', {
        subject,
        item: target.title,
        message: excerpt(message, 400),
      });
      return thread.id as string;
    });
    return this.get(id, p);
  }

  async reply(id: string, p: Principal, text: string): Promise<InquiryThreadDetail> {
    const message = required(text, 'message', MESSAGE_MAX);
    await this.db.transaction(async (m) => {
      const thread = await this.findVisible(m, id, p, true);
      if (!this.isParty(thread, p)) throw new AppError(403, 'inquiries.secretariatReadOnly');
      await this.insertMessage(m, id, p, message);
      const other = thread.from_organization_id === p.organizationId ? thread.to_organization_id : thread.from_organization_id;
      await this.notifyOtherSide(m, id, other, p, 'inquiryReply', { subject: thread.subject, message: excerpt(message, 400) });
    });
    return this.get(id, p);
  }

  private async insertMessage(m: EntityManager, threadId: string, p: Principal, body: string): Promise<void> {
    const [msg] = await m.query(
      `INSERT INTO inquiry_messages (thread_id, author_id, author_organization_id, body) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
      [threadId, p.userId, p.organizationId, body],
    );
    await m.query(`UPDATE inquiry_threads SET last_message_at = $2 WHERE id = $1`, [threadId, msg.created_at]);
    // the author has read everything up to their own message
    await this.markRead(m, threadId, p.userId, msg.id);
  }

  private async markRead(m: EntityManager, threadId: string, userId: string, messageId: string | number): Promise<void> {
    await m.query(
      `INSERT INTO inquiry_reads (thread_id, user_id, last_read_message_id) VALUES ($1, $2, $3)
       ON CONFLICT (thread_id, user_id) DO UPDATE
         SET last_read_message_id = GREATEST(inquiry_reads.last_read_message_id, EXCLUDED.last_read_message_id), read_at = now()`,
      [threadId, userId, messageId],
    );
  }

  /** Queues one e-mail per active user of the other organisation (in the write transaction). */
  private async notifyOtherSide(
    m: EntityManager,
    threadId: string,
    orgId: string,
    p: Principal,
    template: string,
    params: Record<string, unknown>,
  ): Promise<void> {
    const users = (await this.members.usersOfOrganizations([orgId], {}, m)).sort((a, b) =>
      a.email < b.email ? -1 : a.email > b.email ? 1 : 0,
    );
    for (const u of users) {
      await this.mail.send(
        {
          to: u.email,
          template,
          params: { ...params, from: p.organizationName ?? '', author: p.displayName, path: `/inquiries/${threadId}` },
        },
        m,
      );
    }
  }

  // ---------------------------------------------------------------- reads

  /** Threads of the caller's organisation (all threads for the secretariat), most recent activity first. */
  async list(p: Principal, page = 1, perPage = 20): Promise<Page<InquiryThreadView>> {
    const sec = isSecretariat(p);
    if (!sec && !p.organizationId) return { items: [], total: 0, page, perPage };
    const where = sec ? 'true' : '(t.from_organization_id = $2 OR t.to_organization_id = $2)';
    const params: unknown[] = sec ? [p.userId] : [p.userId, p.organizationId];
    const [{ n }] = sec
      ? await this.db.query(`SELECT count(*)::int AS n FROM inquiry_threads`)
      : await this.db.query(
          `SELECT count(*)::int AS n FROM inquiry_threads t WHERE (t.from_organization_id = $1 OR t.to_organization_id = $1)`,
          [p.organizationId],
        );
    const rows = await this.named(
      await this.db.query(
        `${THREAD_SELECT} WHERE ${where} ORDER BY t.last_message_at DESC, t.id LIMIT ${Number(perPage)} OFFSET ${(Number(page) - 1) * Number(perPage)}`,
        params,
      ),
    );
    return { items: rows.map((r) => this.toView(r, p)), total: n, page, perPage };
  }

  /** One thread with its messages; reading it moves the caller's read marker (parties only). */
  async get(id: string, p: Principal): Promise<InquiryThreadDetail> {
    const thread = await this.findVisible(this.db.manager, id, p);
    const party = this.isParty(thread, p);
    if (party) {
      const [last] = await this.db.query(`SELECT max(id) AS id FROM inquiry_messages WHERE thread_id = $1`, [id]);
      if (last?.id) await this.markRead(this.db.manager, id, p.userId, last.id);
    }
    const [row] = await this.named(await this.db.query(`${THREAD_SELECT} WHERE t.id = $2`, [p.userId, id]));
    const msgs: any[] = await this.db.query(
      `SELECT m.id, m.body, m.created_at, m.author_id, m.author_organization_id AS org_id FROM inquiry_messages m
       WHERE m.thread_id = $1 ORDER BY m.id`,
      [id],
    );
    const orgs = await this.members.organizations(msgs.map((r) => r.org_id));
    const authors = await this.members.users(msgs.map((r) => r.author_id));
    return {
      ...this.toView(row, p),
      canReply: party,
      messages: msgs.map((r) => ({
        id: String(r.id),
        body: r.body,
        author: {
          id: r.author_id,
          name: authors.get(r.author_id)?.displayName ?? '',
          organization: { id: r.org_id, name: orgs.get(r.org_id)?.name ?? '', kind: orgs.get(r.org_id)?.kind ?? '' },
        },
        mine: !!p.organizationId && r.org_id === p.organizationId,
        createdAt: r.created_at,
      })),
    };
  }

  /** Unread messages over all of the caller's threads (header badge). */
  async unreadCount(p: Principal): Promise<number> {
    if (!p.organizationId) return 0;
    const [{ n }] = await this.db.query(
      `SELECT count(*)::int AS n FROM inquiry_messages m
       JOIN inquiry_threads t ON t.id = m.thread_id
       LEFT JOIN inquiry_reads r ON r.thread_id = t.id AND r.user_id = $1
       WHERE (t.from_organization_id = $2 OR t.to_organization_id = $2)
         AND m.author_id IS DISTINCT FROM $1 AND m.id > coalesce(r.last_read_message_id, 0)`,
      [p.userId, p.organizationId],
    );
    return n;
  }

  /** The issue/solution page section: may this member ask, and which threads exist already. */
  async slot(
    kind: 'issue' | 'solution',
    item: { id: string; status: string; organization: { id: string } },
    p: Principal | undefined,
  ): Promise<InquirySlot | null> {
    if (!p?.organizationId || isSecretariat(p) || p.organizationKind === 'secretariat') return null;
    if (item.organization.id === p.organizationId) return null;
    const kindOk = kind === 'issue' ? p.organizationKind !== 'municipality' : p.organizationKind === 'municipality';
    if (!kindOk) return null;
    const col = kind === 'issue' ? 'issue_id' : 'solution_id';
    const rows: any[] = await this.db.query(
      `${THREAD_SELECT} WHERE t.${col} = $2 AND t.from_organization_id = $3 ORDER BY t.last_message_at DESC`,
      [p.userId, item.id, p.organizationId],
    );
    return {
      kind,
      itemId: item.id,
      canAsk: item.status === 'published',
      threads: rows.map((r) => ({ id: r.id, subject: r.subject, lastMessageAt: r.last_message_at, unreadCount: r.unread_count })),
    };
  }

  // ---------------------------------------------------------------- helpers

  /** Adds the names the views show (organisations, item titles, last author), one batched call per kind of name. */
  private async named(rows: any[]): Promise<any[]> {
    if (!rows.length) return rows;
    const orgs = await this.members.organizations(rows.flatMap((r) => [r.from_organization_id, r.to_organization_id]));
    const issues = await this.issueDirectory.issues(rows.map((r) => r.issue_id));
    const solutions = await this.solutionDirectory.solutions(rows.map((r) => r.solution_id));
    const authors = await this.members.users(rows.map((r) => r.last_author_id));
    return rows.map((r) => ({
      ...r,
      from_name: orgs.get(r.from_organization_id)?.name,
      from_kind: orgs.get(r.from_organization_id)?.kind,
      to_name: orgs.get(r.to_organization_id)?.name,
      to_kind: orgs.get(r.to_organization_id)?.kind,
      issue_title: issues.get(r.issue_id)?.title ?? null,
      solution_title: solutions.get(r.solution_id)?.title ?? null,
      last_author: authors.get(r.last_author_id)?.displayName ?? null,
    }));
  }

  private isParty(t: { from_organization_id: string; to_organization_id: string }, p: Principal): boolean {
    return !!p.organizationId && (t.from_organization_id === p.organizationId || t.to_organization_id === p.organizationId);
  }

  private async findVisible(m: EntityManager, id: string, p: Principal, lock = false): Promise<any> {
    if (!isUuid(id)) throw new AppError(404, 'notFound');
    const [t] = await m.query(`SELECT * FROM inquiry_threads WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!t || (!this.isParty(t, p) && !isSecretariat(p))) throw new AppError(404, 'notFound');
    return t;
  }

  private toView(r: any, p: Principal): InquiryThreadView {
    const from: InquiryParty = { id: r.from_organization_id, name: r.from_name, kind: r.from_kind };
    const to: InquiryParty = { id: r.to_organization_id, name: r.to_name, kind: r.to_kind };
    return {
      id: r.id,
      subject: r.subject,
      issue: r.issue_id ? { id: r.issue_id, title: r.issue_title } : null,
      solution: r.solution_id ? { id: r.solution_id, title: r.solution_title } : null,
      from,
      to,
      counterpart: p.organizationId === to.id ? from : p.organizationId === from.id ? to : from,
      createdAt: r.created_at,
      lastMessageAt: r.last_message_at,
      messageCount: r.message_count,
      unreadCount: r.unread_count,
      lastMessage: r.last_at ? { excerpt: excerpt(r.last_body, 120), authorName: r.last_author ?? '', createdAt: r.last_at } : null,
    };
  }
}

function required(value: string | undefined, field: string, max: number): string {
  const v = cleanText(value ?? '');
  if (!v) throw new AppError(400, 'validation.failed', {}, { [field]: ['isNotEmpty'] });
  if ([...v].length > max) throw new AppError(400, 'validation.failed', {}, { [field]: ['maxLength'] });
  return v;
}

function excerpt(s: string, n: number): string {
  const chars = [...s.replace(/\s+/g, ' ')];
  return chars.length > n ? chars.slice(0, n).join('') + '…' : chars.join('');
}
