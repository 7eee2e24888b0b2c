import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppError } from '../../libs/common';
import { takeFlash } from '../web/flash';
import { FormError } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { AuthService } from './auth.service';
import { Can, Public } from './decorators';

/** Only local paths may follow a sign-in (no open redirects). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/home';
}

@ApiExcludeController()
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Get('login')
  @Render('auth/login')
  loginPage(@Query('next') next: string, @Req() req: KyosoRequest) {
    return { next: safeNext(next), values: {}, flash: takeFlash(req) };
  }

  @Public()
  @Post('login')
  async login(@Req() req: KyosoRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const next = safeNext(body.next);
    const email = typeof body.email === 'string' ? body.email : '';
    try {
      const user = await this.auth.authenticate(email, typeof body.password === 'string' ? body.password : '', req.ip ?? 'unknown');
      // a new session id at sign-in (no fixation); the CSRF token moves with it
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.userId = user.id;
      req.session.authAt = Date.now();
      await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
      res.redirect(303, next);
    } catch (err) {
      if (err instanceof AppError) throw new FormError(err, 'auth/login', { next, values: { email } });
      throw err;
    }
  }

  @Public()
  @Get('logout')
  @Render('auth/logout')
  logoutPage() {
    return {};
  }

  @Can('account:self')
  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response) {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('kyoso.sid', { path: '/' });
    res.redirect(303, '/?loggedOut=1');
  }
}
