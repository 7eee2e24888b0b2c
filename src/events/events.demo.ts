import { Injectable, OnModuleInit } from '@nestjs/common';
import { recordTransition } from '../../libs/workflow';
import { DemoContext, DemoService } from '../demo/demo.service';
import { IssuesDirectory } from '../issues/issues.directory';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDirectory } from '../solutions/solutions.directory';
import { DEFAULT_PITCH_CRITERIA, newCheckInCode } from './events.model';
import { eventWorkflow } from './events.state';

const DAY = 86_400_000;
/** a date N days from today at hh:mm in Asia/Tokyo */
function tokyoAt(daysFromNow: number, hh: number, mm = 0): Date {
  const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
  return new Date(new Date(`${today}T00:00:00+09:00`).getTime() + daysFromNow * DAY + (hh * 60 + mm) * 60_000);
}

/** Demo events: an upcoming Meet-Up (大阪市・堺市 presenting), a seminar and a pitch day. */
@Injectable()
export class EventsDemo implements OnModuleInit {
  constructor(
    private readonly demo: DemoService,
    private readonly members: MembersDirectory,
    private readonly issues: IssuesDirectory,
    private readonly solutions: SolutionsDirectory,
  ) {}

  onModuleInit(): void {
    this.demo.register({ name: 'events', order: 50, run: (ctx) => this.run(ctx) });
  }

  private async run(ctx: DemoContext): Promise<void> {
    const { db } = ctx;
    const [secretariat] = await this.members.secretariatUsers();
    const createdBy = secretariat?.id ?? null;
    await db.transaction(async (m) => {
      const insert = async (e: Record<string, unknown>) => {
        const [row] = await m.query(
          `INSERT INTO events (kind, title, description, starts_at, ends_at, venue, online_url, capacity, registration_closes_at, visibility, pitch_criteria, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
          [
            e.kind,
            e.title,
            e.description,
            e.startsAt,
            e.endsAt,
            e.venue ?? null,
            e.onlineUrl ?? null,
            e.capacity,
            e.closesAt ?? null,
            e.visibility ?? 'members',
            JSON.stringify(e.criteria ?? []),
            createdBy,
          ],
        );
        await recordTransition(m, eventWorkflow, { subjectId: row.id, from: null, to: 'published', actorId: createdBy });
        return row.id as string;
      };

      const meetup = await insert({
        kind: 'meetup',
        title: '第9回 課題プレゼンテーション Meet Up（大阪市・堺市）',
        description: '府内の市町村が、地域の課題を企業・大学の皆さまに直接ご紹介します。発表のあとは個別の意見交換の時間があります。',
        startsAt: tokyoAt(14, 14),
        endsAt: tokyoAt(14, 17),
        venue: '大阪府咲洲庁舎 会議室（大阪市住之江区南港北1-14-16）',
        onlineUrl: 'https://meet.example.jp/kyoso-meetup-9',
        capacity: 80,
        closesAt: tokyoAt(12, 17),
      });
      let order = 10;
      for (const [key, code, slot] of [
        ['osaka', '27100', 0],
        ['sakai', '27140', 1],
      ] as const) {
        const [pres] = await m.query(
          `INSERT INTO event_presentations (event_id, municipality_code, title, sort_order, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [meetup, code, null, order, tokyoAt(14, 14, 10 + slot * 40), tokyoAt(14, 14, 40 + slot * 40)],
        );
        order += 10;
        // issues of this municipality, when the issues demo ran before us
        const issues = await this.issues.publishedIssues({ municipalityCodes: [code], limit: 2 }, m);
        let i = 0;
        for (const is of issues)
          await m.query(`INSERT INTO event_presentation_issues (presentation_id, issue_id, sort_order) VALUES ($1, $2, $3)`, [
            pres.id,
            is.id,
            i++,
          ]);
        void key;
      }

      const seminar = await insert({
        kind: 'seminar',
        title: 'スマートシティ・セミナー「行政DXとデータ連携基盤」',
        description: '自治体のデータ連携基盤の最新動向と、官民データ活用の事例をご紹介します。オンライン参加もできます。',
        startsAt: tokyoAt(21, 15),
        endsAt: tokyoAt(21, 17),
        venue: '大阪府立男女共同参画・青少年センター（ドーンセンター）',
        onlineUrl: 'https://meet.example.jp/kyoso-seminar',
        capacity: 120,
        visibility: 'public',
      });
      for (const key of ['mirai', 'kenko', 'tondabayashi']) {
        const userId = ctx.users[key];
        if (!userId) continue;
        await m.query(`UPDATE events SET seats_taken = seats_taken + 1 WHERE id = $1`, [seminar]);
        await m.query(
          `INSERT INTO event_registrations (event_id, user_id, organization_id, registered_by, status, check_in_code) VALUES ($1, $2, $3, $2, 'confirmed', $4)`,
          [seminar, userId, ctx.orgs[key], newCheckInCode()],
        );
      }

      const pitch = await insert({
        kind: 'pitch',
        title: 'スタートアップ・ピッチデイ 2026（優秀賞選考）',
        description:
          'スタートアップ・ベンチャー企業が、市町村職員と審査員の前でソリューションを発表します。優秀賞の受賞者は、市町村と連携した実証に補助金を活用できます。',
        startsAt: tokyoAt(35, 13),
        endsAt: tokyoAt(35, 17),
        venue: '大阪イノベーションハブ',
        capacity: 60,
        criteria: DEFAULT_PITCH_CRITERIA,
      });
      if (ctx.users.tondabayashi)
        await m.query(`INSERT INTO pitch_judges (event_id, user_id, assigned_by) VALUES ($1, $2, $3)`, [
          pitch,
          ctx.users.tondabayashi,
          createdBy,
        ]);
      const [sol] = await this.solutions.publishedSolutions({ limit: 1 }, m);
      if (sol) {
        await m.query(
          `INSERT INTO pitch_applications (event_id, solution_id, organization_id, applicant_id, title, summary, status) VALUES ($1, $2, $3, $4, $5, $6, 'selected')`,
          [
            pitch,
            sol.id,
            sol.organizationId,
            sol.createdBy ?? ctx.users.mirai,
            sol.title,
            '地域の課題に合わせて、3か月で実証を始められます。',
          ],
        );
      }
    });
  }
}
