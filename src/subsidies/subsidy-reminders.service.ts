import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';
import type { ApplicationStatus } from './subsidy.state';

export const REPORT_REMINDER_JOB = 'subsidies.report-reminders';
/** How many days before the report deadline (実績報告の期限) the applicant is reminded. */
export const REPORT_REMINDER_DAYS = 7;
/** Granted and not yet reported: the states in which a report is still owed. */
const REPORT_OWED: ApplicationStatus[] = ['grant_decided', 'change_requested', 'report_returned'];

type Row = { id: string; title: string; created_by: string; report_due_on: string };

/**
 * Report deadline reminders: a job every hour mails the applicant once when the deadline is within
 * REPORT_REMINDER_DAYS days and once when it has passed (days in Japan time). The sent-at columns are set in the
 * same transaction as the mails are queued, so two runs (or two instances) never send one twice.
 */
@Injectable()
export class SubsidyRemindersService implements OnModuleInit {
  private readonly logger = new Logger(SubsidyRemindersService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    private readonly mail: MailService,
    private readonly directory: MembersDirectory,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.register(
      REPORT_REMINDER_JOB,
      async () => {
        const n = await this.sendReportReminders(new Date());
        if (n.due || n.overdue) this.logger.log(`subsidy report reminders sent: ${n.due} due, ${n.overdue} overdue`);
      },
      { cron: '0 * * * *', retryLimit: 2 },
    );
  }

  /** The job body, with the clock passed in (tests control it). */
  async sendReportReminders(now: Date = new Date()): Promise<{ due: number; overdue: number }> {
    return this.db.transaction(async (m) => {
      const today = `($1::timestamptz AT TIME ZONE 'Asia/Tokyo')::date`;
      const [due] = await m.query(
        `UPDATE subsidy_applications SET reminder_due_sent_at = $1
          WHERE status = ANY($2) AND report_due_on IS NOT NULL AND reminder_due_sent_at IS NULL
            AND report_due_on >= ${today} AND report_due_on <= ${today} + $3::int
        RETURNING id, title, created_by, report_due_on::text`,
        [now, REPORT_OWED, REPORT_REMINDER_DAYS],
      );
      const [overdue] = await m.query(
        `UPDATE subsidy_applications SET reminder_overdue_sent_at = $1
          WHERE status = ANY($2) AND report_due_on IS NOT NULL AND reminder_overdue_sent_at IS NULL AND report_due_on < ${today}
        RETURNING id, title, created_by, report_due_on::text`,
        [now, REPORT_OWED],
      );
      await this.tell(m, due, 'subsidyReportDue');
      await this.tell(m, overdue, 'subsidyReportOverdue');
      return { due: due.length, overdue: overdue.length };
    });
  }

  private async tell(m: EntityManager, rows: Row[], template: string): Promise<void> {
    const people = await this.directory.users(
      rows.map((r) => r.created_by),
      m,
    );
    for (const r of rows) {
      const u = people.get(r.created_by);
      if (!u) continue;
      await this.mail.send(
        {
          to: u.email,
          template,
          lang: 'ja',
          params: { name: u.displayName, title: r.title, dueOn: r.report_due_on, link: `/subsidies/applications/${r.id}` },
        },
        m,
      );
    }
  }
}
