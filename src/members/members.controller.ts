import { Body, Controller, Get, Param, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { withForm } from '../web/form-error';
import { flash, takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { AcceptInvitationDto, ChangePasswordDto, CreateInvitationDto, ProfileFormDto } from './dto/account.dto';
import { JoinFormDto } from './dto/membership-application.dto';
import { ORGANIZATION_KINDS } from './entities/organization.entity';
import { MembersService } from './members.service';

@ApiExcludeController()
@Controller()
export class MembersController {
  constructor(private readonly members: MembersService) {}

  private async joinModel(values: Record<string, unknown> = {}) {
    const municipalities = await this.members.municipalities();
    return { values, kinds: ORGANIZATION_KINDS, municipalities: municipalities.map((m) => ({ code: m.code, name: m.name })) };
  }

  @Public()
  @Get('join')
  @Render('members/join')
  async joinPage() {
    return this.joinModel();
  }

  @Public()
  @Post('join')
  async join(@Body() body: Record<string, string>, @Res() res: Response) {
    const { password: _pw, _csrf, ...values } = body ?? {};
    await withForm(
      'members/join',
      await this.joinModel(values),
      async () => {
        const f = await validateForm(JoinFormDto, body);
        await this.members.apply({
          organization: {
            name: f.orgName,
            kind: f.orgKind,
            municipalityCode: f.orgKind === 'municipality' ? f.municipalityCode : undefined,
            website: f.website || undefined,
            address: f.address || undefined,
          },
          contact: { name: f.contactName, email: f.email, password: f.password },
          agreeToTerms: true,
        });
      },
      { 'organization.municipalityCode': 'municipalityCode' },
    );
    res.redirect(303, '/join/done');
  }

  @Public()
  @Get('join/done')
  @Render('members/join-done')
  joinDone() {
    return {};
  }

  @Can('account:self')
  @Get('profile')
  @Render('members/profile')
  async profile(@CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return { me: await this.members.me(p), flash: takeFlash(req) };
  }

  @Can('account:self')
  @Post('profile')
  async saveProfile(@CurrentUser() p: Principal, @Body() body: Record<string, string>, @Req() req: KyosoRequest, @Res() res: Response) {
    const me = await this.members.me(p);
    await withForm('members/profile', { me: { ...me, user: { ...me.user, displayName: body?.displayName } } }, async () => {
      const f = await validateForm(ProfileFormDto, body);
      await this.members.updateProfile(p, { displayName: f.displayName, digestEnabled: f.digestEnabled === 'on' });
    });
    flash(req, 'success', 'profile.saved');
    res.redirect(303, '/profile');
  }

  @Can('account:self')
  @Post('profile/password')
  async changePassword(@CurrentUser() p: Principal, @Body() body: Record<string, string>, @Req() req: KyosoRequest, @Res() res: Response) {
    const me = await this.members.me(p);
    await withForm('members/profile', { me, passwordForm: true }, async () => {
      const f = await validateForm(ChangePasswordDto, body);
      await this.members.changePassword(p, f, req.ip);
    });
    // this session stays signed in; every other session and token has ended
    req.session.authAt = Date.now();
    flash(req, 'success', 'profile.passwordChanged');
    res.redirect(303, '/profile');
  }

  @Can('organization:manage')
  @Get('organization')
  @Render('members/organization')
  async organization(@CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.orgModel(p, req);
  }

  private async orgModel(p: Principal, req?: KyosoRequest) {
    return {
      organization: await this.members.organization(p.organizationId),
      members: await this.members.orgMembers(p),
      invitations: await this.members.pendingInvitations(p),
      flash: req ? takeFlash(req) : undefined,
    };
  }

  @Can('organization:manage')
  @Post('organization/invitations')
  async invite(@CurrentUser() p: Principal, @Body() body: Record<string, string>, @Req() req: KyosoRequest, @Res() res: Response) {
    await withForm('members/organization', { ...(await this.orgModel(p)), values: { email: body?.email } }, async () => {
      const f = await validateForm(CreateInvitationDto, body);
      await this.members.invite(p, f.email);
    });
    flash(req, 'success', 'organization.invited', { email: body.email });
    res.redirect(303, '/organization');
  }

  @Public()
  @Get('invitations/:token')
  @Render('members/invitation')
  async invitation(@Param('token') token: string) {
    const { invitation, organization } = await this.members.invitationByToken(token);
    return { token, email: invitation.email, organizationName: organization.name, values: {} };
  }

  @Public()
  @Post('invitations/:token')
  async acceptInvitation(
    @Param('token') token: string,
    @Body() body: Record<string, string>,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const { invitation, organization } = await this.members.invitationByToken(token);
    await withForm(
      'members/invitation',
      { token, email: invitation.email, organizationName: organization.name, values: { name: body?.name } },
      async () => {
        const f = await validateForm(AcceptInvitationDto, body);
        await this.members.acceptInvitation(token, f);
      },
    );
    flash(req, 'success', 'invitation.accepted');
    res.redirect(303, '/login');
  }
}
