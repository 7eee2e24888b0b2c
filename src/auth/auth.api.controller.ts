import { Body, Controller, Delete, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CreateTokenDto, PasswordResetDto, RequestPasswordResetDto } from '../members/dto/account.dto';
import { AuthService, SignedInUser } from './auth.service';
import { Can, CurrentUser, Public } from './decorators';
import { LoginGuard } from './login.guard';
import type { Principal } from './principal';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthApiController {
  constructor(private readonly auth: AuthService) {}

  /** E-mail + password → a bearer token (stored hashed, expiring, revocable). */
  @Public()
  @Post('tokens')
  @ApiBody({ type: CreateTokenDto })
  @UseGuards(LoginGuard)
  async create(@Req() req: Request & { user: SignedInUser }, @Body() _dto: CreateTokenDto) {
    return this.auth.issueToken(req.user.id);
  }

  @Can('account:self')
  @Delete('tokens/current')
  @HttpCode(204)
  async revoke(@CurrentUser() p: Principal) {
    if (p.tokenId) await this.auth.revokeToken(p.tokenId);
  }

  /** Always 202, whether or not the address has an account. */
  @Public()
  @Post('password-resets')
  @HttpCode(202)
  async requestReset(@Body() dto: RequestPasswordResetDto, @Req() req: Request) {
    await this.auth.requestPasswordReset(dto.email, req.ip);
    return { status: 'accepted' };
  }

  @Public()
  @Post('password-resets/:token')
  @HttpCode(204)
  async reset(@Param('token') token: string, @Body() dto: PasswordResetDto, @Req() req: Request) {
    await this.auth.resetPassword(token, dto.password, req.ip);
  }
}
