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
  ): Promise<{ registrationId: string; name: string; organizationName: string | null; checkedInAt: Date }> {
    await this.records.visibleEvent(this.db.manager, eventId, actor);
    const c = normCode(code);
    return this.db.transaction(async (m) => {
      const [r] = await m.query(
        `SELECT r.id, r.status, r.checked_in_at, r.user_id, r.organization_id FROM event_registrations r
          WHERE r.event_id = $1 AND r.check_in_code = $2 FOR UPDATE OF r`,
        [eventId, c],
      );
      if (!r) throw new AppError(404, 'events.unknownCode', { code: c }, { code: ['events.unknownCode'] });
      const user = await this.members.user(r.user_id, m);
      const name = user?.displayName ?? '';
      const stage = registrationStage({ status: r.status, checkedInAt: r.checked_in_at });
      if (stage === 'checkedIn') throw new AppError(409, 'events.alreadyCheckedIn', { name, time: formatDate(r.checked_in_at, 'ja') });
      if (stage !== 'confirmed') throw new AppError(409, 'events.notConfirmed', { name });
      registrationWorkflow.assertAction('checkIn', stage, { principal: actor, mayActFor: true });
      const [[u]] = await m.query(
        `UPDATE event_registrations SET checked_in_at = now(), checked_in_by = $2, updated_at = now() WHERE id = $1 RETURNING checked_in_at`,
        [r.id, actor.userId],
      );
      const org = await this.members.organization(r.organization_id, m);
      return { registrationId: r.id, name, organizationName: org?.name ?? null, checkedInAt: u.checked_in_at };
    });
  }
}
