import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { fiscalYearRange } from '../../libs/common';
import { EVENT_KINDS, EventKind } from './entities/event.entity';
import type { KindFigures } from './events.model';

/** The forum's event figures for the secretariat's reports. */
@Injectable()
export class EventFiguresService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The forum's event figures per kind (Japanese fiscal year, or all time): events held (ended, not
   * cancelled), confirmed registrations, attendance (checked in, or recorded by hand), organisations attending
   * (summed per event, like attendances), and distinct municipalities presenting.
   */
  async figures(fiscalYear?: number): Promise<{ byKind: Record<EventKind, KindFigures> }> {
    const params: unknown[] = [];
    let range = '';
    if (fiscalYear !== undefined) {
      const [from, to] = fiscalYearRange(fiscalYear);
      params.push(from, to);
      range = `AND e.starts_at >= $1 AND e.starts_at < $2`;
    }
    // per event: attendance and organisations from check-ins, or as recorded by hand (events held before the platform);
    // organisations are member organisations and guests' organisation names (case-insensitive), once per event
    const rows = await this.db.query(
      `WITH held AS (SELECT e.id, e.kind, e.recorded_attendance, e.recorded_organizations FROM events e WHERE e.status = 'published' AND e.ends_at <= now() ${range}),
            per AS (
              SELECT h.id, h.kind,
                     (SELECT count(*)::int FROM event_registrations r WHERE r.event_id = h.id AND r.status = 'confirmed') AS registrations,
                     coalesce(h.recorded_attendance, (SELECT count(*)::int FROM event_registrations r WHERE r.event_id = h.id AND r.checked_in_at IS NOT NULL)) AS attended,
                     coalesce(h.recorded_organizations, (SELECT count(DISTINCT coalesce(r.organization_id::text, 'guest:' || lower(btrim(r.guest_organization))))::int
                        FROM event_registrations r WHERE r.event_id = h.id AND r.checked_in_at IS NOT NULL
                         AND (r.organization_id IS NOT NULL OR nullif(btrim(r.guest_organization), '') IS NOT NULL))) AS organizations
                FROM held h)
       SELECT p.kind, count(*)::int AS held, sum(p.registrations)::int AS registrations, sum(p.attended)::int AS attended,
              sum(p.organizations)::int AS organizations,
              (SELECT count(DISTINCT pr.municipality_code)::int FROM event_presentations pr JOIN held h2 ON h2.id = pr.event_id WHERE h2.kind = p.kind) AS municipalities
         FROM per p GROUP BY p.kind`,
      params,
    );
    const byKind = {} as Record<EventKind, KindFigures>;
    for (const k of EVENT_KINDS)
      byKind[k] = { held: 0, registrations: 0, attended: 0, organizations: 0, attendanceRate: null, municipalitiesPresenting: 0 };
    for (const r of rows) {
      byKind[r.kind as EventKind] = {
        held: r.held,
        registrations: r.registrations,
        attended: r.attended,
        organizations: r.organizations,
        attendanceRate: r.registrations ? Math.round((r.attended / r.registrations) * 1000) / 1000 : null,
        municipalitiesPresenting: r.municipalities,
      };
    }
    return { byKind };
  }
}
