import { Body, Controller, Delete, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CreateTokenDto } from '../members/dto/account.dto';
import type { User } from '../members/entities/user.entity';
import { AuthService } from './auth.service';
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
  async create(@Req() req: Request & { user: User }, @Body() _dto: CreateTokenDto) {
    return this.auth.issueToken(req.user.id);
  }

  @Can('account:self')
  @Delete('tokens/current')
  @HttpCode(204)
  async revoke(@CurrentUser() p: Principal) {
    if (p.tokenId) await this.auth.revokeToken(p.tokenId);
  }
}
