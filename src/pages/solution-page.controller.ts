import { Controller, Get, Param, Render, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { EventsService } from '../events/events.service';
import { InquiriesService } from '../inquiries/inquiries.service';
import { MatchingService } from '../matching/matching.service';
import { SolutionPage } from '../solutions/solution-page';
import { takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';

/** The solution page (views/solutions/show.hbs): the solution's own part, with the matching issues, the inquiry section and its pitch awards. */
@ApiExcludeController()
@Controller('solutions')
export class SolutionPageController {
  constructor(
    private readonly solutionPage: SolutionPage,
    private readonly matching: MatchingService,
    private readonly inquiries: InquiriesService,
    private readonly events: EventsService,
  ) {}

  @Can('solutions:read')
  @Get(':id')
  @Render('solutions/show')
  async show(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const flashMessage = takeFlash(req);
    const own = await this.solutionPage.model(id, p, req.lang);
    const { solution } = own;
    const [matches, inquiry, awards] = await Promise.all([
      this.matching.slotForSolution(id, p, req.lang),
      this.inquiries.slot('solution', solution, p),
      solution.status === 'draft' ? [] : this.events.awardsForSolution(solution.id),
    ]);
    return { flash: flashMessage, ...own, matches, inquiry, awards };
  }
}
