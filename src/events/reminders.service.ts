import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { formatDate, t } from '../../libs/common';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';

export const REMINDER_JOB = 'events.reminders';

/** The day-before reminder: a job every 15 minutes mails confirmed registrants of events starting within 24 hours. */
@Injectable()
export class EventRemindersService implements OnModuleInit {
  private readonly logger = new Logger(EventRemindersService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    private readonly mail: MailService,
    private readonly members: MembersDirectory,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.register(
      REMINDER_JOB,
      async () => {
        const n = await this.sendDueReminders(new Date());
        if (n) this.logger.log(`event reminders sent: ${n}`);
      },
      { cron: '*/15 * * * *', retryLimit: 2 },
    );
  }

  /**
   * The reminder job body: confirmed registrants of events starting within 24 hours who have not been
   * reminded are marked and mailed in one transaction — running it twice (or on two instances) sends nothing twice.
   */
  async sendDueReminders(now: Date = new Date()): Promise<number> {
    return this.db.transaction(async (m) => {
      const [rows] = await m.query(
        `UPDATE event_registrations r SET reminder_sent_at = $1, updated_at = now()
           FROM events e
          WHERE e.id = r.event_id AND r.status = 'confirmed' AND r.reminder_sent_at IS NULL
            AND e.status = 'published' AND e.starts_at > $1 AND e.starts_at <= $1::timestamptz + interval '24 hours'
        RETURNING r.id, r.user_id, r.guest_email, r.guest_name, r.check_in_code, e.id AS event_id, e.title, e.starts_at, e.venue`,
        [now],
      );
      const people = await this.members.users(
        rows.filter((r: any) => r.user_id).map((r: any) => r.user_id),
        m,
      );
      for (const r of rows) {
        // a guest (no account) is reminded at the address they registered with
        const u = r.user_id ? people.get(r.user_id) : { email: r.guest_email, displayName: r.guest_name };
        if (!u) continue;
        await this.mail.send(
          {
            to: u.email,
            template: 'eventReminder',
            params: {
              name: u.displayName,
              title: r.title,
              date: formatDate(r.starts_at, 'ja'),
              venue: r.venue ?? t('ja', 'events.online'),
              link: `/events/${r.event_id}`,
              code: r.check_in_code,
            },
          },
          m,
        );
      }
      return rows.length;
    });
  }
}
