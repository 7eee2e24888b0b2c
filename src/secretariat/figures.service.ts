import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { fiscalYearRange } from '../../libs/common';
import { EventsService } from '../events/events.service';
import { ProjectsService } from '../projects/projects.service';
import { SubsidiesService } from '../subsidies/subsidies.service';

/**
 * The numbers the forum reports (members, issues, Meet-Ups held and municipalities presenting,
 * projects by stage, subsidies adopted and yen granted), for a Japanese fiscal year or all time.
 */
@Injectable()
export class FiguresService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventsService,
    private readonly projects: ProjectsService,
    private readonly subsidies: SubsidiesService,
  ) {}

  async figures(fiscalYear?: number) {
    const [from, to] = fiscalYear !== undefined ? fiscalYearRange(fiscalYear) : [new Date(0), new Date('9999-12-31T00:00:00Z')];
    const memberRows: { kind: string; n: number }[] = await this.db.query(
      `SELECT kind, count(*)::int AS n FROM organizations WHERE kind <> 'secretariat' AND created_at < $1 GROUP BY kind`,
      [to],
    );
    const byKind = Object.fromEntries(memberRows.map((r) => [r.kind, r.n]));
    const fieldRows: { slug: string; n: number }[] = await this.db.query(
      `SELECT f.slug, count(*)::int AS n FROM issues i CROSS JOIN LATERAL unnest(i.field_slugs) AS f(slug)
        WHERE i.status IN ('published', 'closed') AND i.published_at >= $1 AND i.published_at < $2 GROUP BY f.slug`,
      [from, to],
    );
    const [{ issues }] = await this.db.query(
      `SELECT count(*)::int AS issues FROM issues WHERE status IN ('published', 'closed') AND published_at >= $1 AND published_at < $2`,
      [from, to],
    );
    const [{ solutions }] = await this.db.query(
      `SELECT count(*)::int AS solutions FROM solutions WHERE status = 'published' AND published_at >= $1 AND published_at < $2`,
      [from, to],
    );
    const [events, projects, subsidies] = await Promise.all([
      this.events.figures(fiscalYear),
      this.projects.figures(fiscalYear),
      this.subsidies.figures(fiscalYear),
    ]);
    return {
      fiscalYear: fiscalYear ?? null,
      members: { total: memberRows.reduce((a, r) => a + r.n, 0), byKind },
      issues: { published: issues, byField: Object.fromEntries(fieldRows.map((r) => [r.slug, r.n])) },
      solutions: { published: solutions },
      events,
      projects: { byStage: projects.byStage },
      subsidies,
    };
  }
}
