import { Injectable } from '@nestjs/common';
import { fiscalYearRange } from '../../libs/common';
import { EventsService } from '../events/events.service';
import { IssuesDirectory } from '../issues/issues.directory';
import { MembersDirectory } from '../members/directory.service';
import { ProjectsService } from '../projects/projects.service';
import { SolutionsDirectory } from '../solutions/solutions.directory';
import { SubsidiesService } from '../subsidies/subsidies.service';

/**
 * The numbers the forum reports (members, issues, Meet-Ups held and municipalities presenting,
 * projects by stage, subsidies adopted and yen granted), for a Japanese fiscal year or all time.
 */
@Injectable()
export class FiguresService {
  constructor(
    private readonly members: MembersDirectory,
    private readonly issues: IssuesDirectory,
    private readonly solutions: SolutionsDirectory,
    private readonly events: EventsService,
    private readonly projects: ProjectsService,
    private readonly subsidies: SubsidiesService,
  ) {}

  async figures(fiscalYear?: number) {
    const [from, to] = fiscalYear !== undefined ? fiscalYearRange(fiscalYear) : [new Date(0), new Date('9999-12-31T00:00:00Z')];
    const [memberCounts, fieldCounts, issues, solutions] = await Promise.all([
      this.members.organizationCountsByKind(to),
      this.issues.publicCountsByField({ from, to }),
      this.issues.publicCount({ from, to }),
      this.solutions.publishedCount({ from, to }),
    ]);
    const byKind = Object.fromEntries(memberCounts);
    const [events, projects, subsidies] = await Promise.all([
      this.events.figures(fiscalYear),
      this.projects.figures(fiscalYear),
      this.subsidies.figures(fiscalYear),
    ]);
    return {
      fiscalYear: fiscalYear ?? null,
      members: { total: [...memberCounts.values()].reduce((a, n) => a + n, 0), byKind },
      issues: { published: issues, byField: Object.fromEntries(fieldCounts) },
      solutions: { published: solutions },
      events,
      projects: { byStage: projects.byStage },
      subsidies,
    };
  }
}
