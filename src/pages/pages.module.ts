import { Controller, Get, Module, Query, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { EventsModule } from '../events/events.module';
import { FieldsModule } from '../fields/fields.module';
import { FieldsService } from '../fields/fields.service';
import { InquiriesModule } from '../inquiries/inquiries.module';
import { IssuesModule } from '../issues/issues.module';
import { MatchingModule } from '../matching/matching.module';
import { MembersModule } from '../members/members.module';
import { ProjectsModule } from '../projects/projects.module';
import { SolutionsModule } from '../solutions/solutions.module';
import { IssuePageController } from './issue-page.controller';
import { MemberHomeController } from './member-home.controller';
import { SolutionPageController } from './solution-page.controller';

@ApiExcludeController()
@Controller()
export class PagesController {
  constructor(private readonly fields: FieldsService) {}

  /** The top page: what the forum is, and where to go next. */
  @Public()
  @Get()
  @Render('pages/top')
  async top(@Query('loggedOut') loggedOut?: string) {
    return { fields: await this.fields.list(), loggedOut: !!loggedOut };
  }
}

/**
 * Pages that show several modules' data, composed above the feature modules (which never import each other only for
 * a page): the top page, the issue and solution pages, the member's home. AppModule imports it after IssuesModule and
 * SolutionsModule, so their fixed routes (/issues/new, /solutions/new) are registered before /issues/:id and /solutions/:id.
 */
@Module({
  imports: [FieldsModule, IssuesModule, SolutionsModule, MatchingModule, InquiriesModule, EventsModule, ProjectsModule, MembersModule],
  controllers: [PagesController, IssuePageController, SolutionPageController, MemberHomeController],
})
export class PagesModule {}
