import { Injectable } from '@nestjs/common';
import { isSecretariat, type Principal } from '../auth/principal';
import { isProvider } from '../catalog/ownership';
import { CLOSE_REASONS } from './entities/issue.entity';
import { IssueInterestsService } from './issue-interests.service';
import { IssuesService } from './issues.service';

/**
 * The issue's own part of its page (views/issues/show.hbs): the issue and what this member may do with it. The page
 * itself, with other modules' sections (matches, inquiries, Meet-Ups, projects), is composed in src/pages.
 */
@Injectable()
export class IssuePage {
  constructor(
    private readonly issues: IssuesService,
    private readonly interestsService: IssueInterestsService,
  ) {}

  async model(id: string, p: Principal, lang: string) {
    const issue = await this.issues.getVisibleIssue(id, p, lang);
    const owner = this.issues.isOwner({ organizationId: issue.organization.id }, p);
    const staff = owner || isSecretariat(p);
    const canInterest = isProvider(p);
    return {
      issue,
      owner,
      canEdit: owner && issue.status !== 'closed',
      canPublish: owner && issue.status === 'draft',
      canClose: owner && issue.status === 'published',
      closeReasons: CLOSE_REASONS,
      canInterest: canInterest && issue.status === 'published',
      interested: canInterest ? await this.interestsService.hasInterest(id, p) : false,
      interests: staff ? (await this.interestsService.interests(id, p)).items : null,
      history: staff ? await this.issues.history(id, p) : null,
    };
  }
}
