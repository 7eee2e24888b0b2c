import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, formatDate } from '../../libs/common';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import { EventRecords } from './event-records';
import { normCode } from './events.model';
import { registrationStage, registrationWorkflow } from './events.state';

/** Check-in at the door: the secretariat records a confirmed registrant's attendance by their code, once. */
@Injectable()
export class CheckInService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: EventRecords,
    private readonly members: MembersDirectory,
  ) {}

  /** Records attendance by check-in code, once: a second check-in answers 409 "already checked in". */
  async checkIn(
    eventId: string,
    code: string,
    actor: Principal,
    override = false,
  ): Promise<{ registrationId: string; name: string; organizationName: string | null; guest: boolean; checkedInAt: Date }> {
    const e = await this.records.visibleEvent(this.db.manager, eventId, actor);
    // on the event's day(s) in Japan only, unless the secretariat overrides (e.g. recording attendance afterwards)
    const day = (d: Date) => new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
    const today = day(new Date());
    if (!override && (today < day(e.starts_at) || today > day(e.ends_at)))
      throw new AppError(409, 'events.checkInNotToday', { date: formatDate(e.starts_at, 'ja') });
    const c = normCode(code);
    return this.db.transaction(async (m) => {
      const [r] = await m.query(
        `SELECT r.id, r.status, r.checked_in_at, r.user_id, r.organization_id, r.guest_name, r.guest_organization FROM event_registrations r
          WHERE r.event_id = $1 AND r.check_in_code = $2 FOR UPDATE OF r`,
        [eventId, c],
      );
      if (!r) throw new AppError(404, 'events.unknownCode', { code: c }, { code: ['events.unknownCode'] });
      const user = r.user_id ? await this.members.user(r.user_id, m) : null;
      const name = (r.user_id ? user?.displayName : r.guest_name) ?? '';
      const stage = registrationStage({ status: r.status, checkedInAt: r.checked_in_at });
      if (stage === 'checkedIn') throw new AppError(409, 'events.alreadyCheckedIn', { name, time: formatDate(r.checked_in_at, 'ja') });
      if (stage !== 'confirmed') throw new AppError(409, 'events.notConfirmed', { name });
      registrationWorkflow.assertAction('checkIn', stage, { principal: actor, mayActFor: true });
      const [[u]] = await m.query(
        `UPDATE event_registrations SET checked_in_at = now(), checked_in_by = $2, updated_at = now() WHERE id = $1 RETURNING checked_in_at`,
        [r.id, actor.userId],
      );
      const org = r.organization_id ? await this.members.organization(r.organization_id, m) : null;
      return {
        registrationId: r.id,
        name,
        organizationName: r.user_id ? (org?.name ?? null) : r.guest_organization,
        guest: !r.user_id,
        checkedInAt: u.checked_in_at,
      };
    });
  }
}
