import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AppError } from '../../libs/common';
import { Can, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AcceptInvitationDto, ChangePasswordDto, CreateInvitationDto, UpdateProfileDto } from './dto/account.dto';
import { ApplicationListQuery, CreateMembershipApplicationDto, RejectApplicationDto } from './dto/membership-application.dto';
import { MembersService } from './members.service';

@ApiTags('membership')
@ApiBearerAuth()
@Controller('api/v1')
export class MembersApiController {
  constructor(private readonly members: MembersService) {}

  @Public()
  @Post('membership-applications')
  apply(@Body() dto: CreateMembershipApplicationDto) {
    return this.members.apply(dto);
  }

  @Can('membership:review')
  @Get('membership-applications')
  async list(@Query() q: ApplicationListQuery) {
    const items = await this.members.listApplications(q.status);
    return { items, total: items.length, page: 1, perPage: items.length };
  }

  @Can('membership:review')
  @Get('membership-applications/:id')
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.members.getApplication(id, p);
  }

  @Can('membership:review')
  @Post('membership-applications/:id/approve')
  @HttpCode(200)
  approve(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: Request) {
    return this.members.approve(id, p, req.ip);
  }

  @Can('membership:review')
  @Post('membership-applications/:id/reject')
  @HttpCode(200)
  reject(@Param('id', ParseUUIDPipe) id: string, @Body() dto: RejectApplicationDto, @CurrentUser() p: Principal, @Req() req: Request) {
    return this.members.reject(id, dto.reason, p, req.ip);
  }

  @Can('account:self')
  @Get('me')
  me(@CurrentUser() p: Principal) {
    return this.members.me(p);
  }

  @Can('account:self')
  @Patch('me')
  async updateMe(@CurrentUser() p: Principal, @Body() dto: UpdateProfileDto) {
    await this.members.updateProfile(p, dto);
    return this.members.me(p);
  }

  @Can('account:self')
  @Post('me/password')
  @HttpCode(204)
  async changePassword(@CurrentUser() p: Principal, @Body() dto: ChangePasswordDto, @Req() req: Request) {
    await this.members.changePassword(p, dto, req.ip);
  }

  @Public()
  @Get('municipalities')
  async municipalities() {
    return (await this.members.municipalities()).map((m) => ({ code: m.code, name: m.name, kana: m.kana }));
  }

  @Can('organization:manage')
  @Get('organizations/:id/members')
  async orgMembers(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    if (id !== p.organizationId) return this.notVisible();
    const items = await this.members.orgMembers(p);
    return { items, total: items.length, page: 1, perPage: items.length };
  }

  @Can('organization:manage')
  @Post('organizations/:id/invitations')
  invite(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateInvitationDto, @CurrentUser() p: Principal) {
    return this.members.invite(p, dto.email, id);
  }

  @Public()
  @Post('invitations/:token/accept')
  accept(@Param('token') token: string, @Body() dto: AcceptInvitationDto) {
    return this.members.acceptInvitation(token, dto);
  }

  private notVisible(): never {
    throw new AppError(404, 'notFound');
  }
}
