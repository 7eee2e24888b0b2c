import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { SolutionsService } from './solutions.service';

/**
 * The solution's own part of its page (views/solutions/show.hbs): the solution and what this member may do with it. The
 * page itself, with other modules' sections (matches, inquiries, awards), is composed in src/pages.
 */
@Injectable()
export class SolutionPage {
  constructor(private readonly solutions: SolutionsService) {}

  async model(id: string, p: Principal, lang: string) {
    const solution = await this.solutions.getVisibleSolution(id, p, lang);
    const owner = this.solutions.isOwner({ organizationId: solution.organization.id }, p);
    return {
      solution,
      owner,
      canPublish: owner && solution.status !== 'published',
      canArchive: owner && solution.status === 'published',
    };
  }
}
