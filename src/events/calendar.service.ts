import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../libs/config/app-config';
import { AppError, hashToken, randomToken, t } from '../../libs/common';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import { EventRecords } from './event-records';
import type { EventRow } from './events.model';
import { buildCalendar, IcalEvent } from './ical';

/** Calendars: one event's .ics, and a member's secret feed of the events they registered for (only its hash is stored). */
@Injectable()
export class EventCalendarService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: EventRecords,
    private readonly members: MembersDirectory,
    private readonly config: AppConfig,
  ) {}

  private icalOf(e: EventRow, withOnlineUrl: boolean): IcalEvent {
    const link = `${this.config.baseUrl}/events/${e.id}`;
    const parts = [e.description];
    if (withOnlineUrl && e.online_url) parts.push(`${t('ja', 'events.onlineUrl')}: ${e.online_url}`);
    parts.push(link);
    return {
      uid: `event-${e.id}@kyoso`,
      title: e.title,
      description: parts.filter(Boolean).join('\n\n'),
      startsAt: e.starts_at,
      endsAt: e.ends_at,
      location: e.venue ?? (e.online_url ? t('ja', 'events.online') : null),
      url: link,
      status: e.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED',
      updatedAt: e.updated_at,
    };
  }

  async eventIcs(id: string, p: Principal | undefined): Promise<string> {
    const e = await this.records.visibleEvent(this.db.manager, id, p);
    const mine = p ? await this.records.myRegistration(this.db.manager, id, p.userId) : null;
    return buildCalendar([this.icalOf(e, mine?.status === 'confirmed')]);
  }

  /** A new secret feed URL (the previous one stops working). Only the token's hash is stored. */
  async createFeed(userId: string): Promise<{ url: string }> {
    const token = randomToken(24);
    await this.db.query(
      `INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`,
      [userId, hashToken(token)],
    );
    return { url: `${this.config.baseUrl}/events/feed/${token}.ics` };
  }

  async hasFeed(userId: string): Promise<boolean> {
    const [r] = await this.db.query(`SELECT 1 FROM calendar_feeds WHERE user_id = $1`, [userId]);
    return !!r;
  }

  /** The feed of an active member: their active registrations of events not long over, drafts left out. */
  async feedIcs(token: string): Promise<string> {
    const [f] = await this.db.query(`SELECT f.user_id FROM calendar_feeds f WHERE f.token_hash = $1`, [hashToken(String(token))]);
    if (!f || (await this.members.user(f.user_id))?.status !== 'active') throw new AppError(404, 'notFound');
    const rows: (EventRow & { reg_status: string })[] = await this.db.query(
      `SELECT e.*, r.status AS reg_status FROM event_registrations r JOIN events e ON e.id = r.event_id
        WHERE r.user_id = $1 AND r.status IN ('confirmed', 'waitlisted') AND e.status <> 'draft' AND e.ends_at > now() - interval '180 days'
        ORDER BY e.starts_at`,
      [f.user_id],
    );
    return buildCalendar(
      rows.map((e) => this.icalOf(e, e.reg_status === 'confirmed')),
      { name: t('ja', 'events.feedName') },
    );
  }
}
