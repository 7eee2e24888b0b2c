import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppError } from '../../libs/common';
import { takeFlash } from '../web/flash';
import { FormError, withForm } from '../web/form-error';
import { flash } from '../web/flash';
import { validateForm } from '../web/validation';
import { PasswordResetDto, RequestPasswordResetDto } from '../members/dto/account.dto';
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

  @Public()
  @Get('password-reset')
  @Render('auth/password-reset-request')
  resetRequestPage() {
    return { values: {} };
  }

  @Public()
  @Post('password-reset')
  async resetRequest(@Body() body: Record<string, string>, @Req() req: KyosoRequest, @Res() res: Response) {
    await withForm('auth/password-reset-request', { values: { email: body?.email } }, async () => {
      const f = await validateForm(RequestPasswordResetDto, body);
      await this.auth.requestPasswordReset(f.email, req.ip);
    });
    res.render('auth/password-reset-sent', {});
  }

  @Public()
  @Get('password-reset/:token')
  async resetPage(@Param('token') token: string, @Res() res: Response) {
    if (!(await this.auth.passwordResetValid(token))) throw new AppError(404, 'auth.resetInvalid');
    res.render('auth/password-reset', { token });
  }

  @Public()
  @Post('password-reset/:token')
  async reset(@Param('token') token: string, @Body() body: Record<string, string>, @Req() req: KyosoRequest, @Res() res: Response) {
    await withForm('auth/password-reset', { token }, async () => {
      const f = await validateForm(PasswordResetDto, body);
      await this.auth.resetPassword(token, f.password, req.ip);
    });
    flash(req, 'success', 'auth.passwordResetDone');
    res.redirect(303, '/login');
  }
}
