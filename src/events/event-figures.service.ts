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
   * cancelled), confirmed registrations, attendance (checked in), and distinct municipalities presenting.
   */
  async figures(fiscalYear?: number): Promise<{ byKind: Record<EventKind, KindFigures> }> {
    const params: unknown[] = [];
    let range = '';
    if (fiscalYear !== undefined) {
      const [from, to] = fiscalYearRange(fiscalYear);
      params.push(from, to);
      range = `AND e.starts_at >= $1 AND e.starts_at < $2`;
    }
    const rows = await this.db.query(
      `WITH held AS (SELECT e.id, e.kind FROM events e WHERE e.status = 'published' AND e.ends_at <= now() ${range})
       SELECT h.kind,
              count(DISTINCT h.id)::int AS held,
              (SELECT count(*)::int FROM event_registrations r JOIN held h2 ON h2.id = r.event_id WHERE h2.kind = h.kind AND r.status = 'confirmed') AS registrations,
              (SELECT count(*)::int FROM event_registrations r JOIN held h2 ON h2.id = r.event_id WHERE h2.kind = h.kind AND r.checked_in_at IS NOT NULL) AS attended,
              (SELECT count(DISTINCT p.municipality_code)::int FROM event_presentations p JOIN held h2 ON h2.id = p.event_id WHERE h2.kind = h.kind) AS municipalities
         FROM held h GROUP BY h.kind`,
      params,
    );
    const byKind = {} as Record<EventKind, KindFigures>;
    for (const k of EVENT_KINDS) byKind[k] = { held: 0, registrations: 0, attended: 0, attendanceRate: null, municipalitiesPresenting: 0 };
    for (const r of rows) {
      byKind[r.kind as EventKind] = {
        held: r.held,
        registrations: r.registrations,
        attended: r.attended,
        attendanceRate: r.registrations ? Math.round((r.attended / r.registrations) * 1000) / 1000 : null,
        municipalitiesPresenting: r.municipalities,
      };
    }
    return { byKind };
  }
}
