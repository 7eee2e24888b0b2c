import { Controller, Get, Render, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { EventsService } from '../events/events.service';
import { MembersService } from '../members/members.service';
import { takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';

/** The member's home page (views/members/home.hbs): their account and organisation, and the events they registered for. */
@ApiExcludeController()
@Controller()
export class MemberHomeController {
  constructor(
    private readonly members: MembersService,
    private readonly events: EventsService,
  ) {}

  @Can('account:self')
  @Get('home')
  @Render('members/home')
  async home(@CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const [me, myEvents] = await Promise.all([this.members.me(p), this.events.myEvents(p.userId)]);
    return { me, myEvents, flash: takeFlash(req) };
  }
}
