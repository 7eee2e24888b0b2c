import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../../libs/common';

/** Runs the local strategy; passes its errors (401/429) through, and a missing field as 400. */
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    if (!user)
      throw new AppError(400, 'auth.missingCredentials', {}, { email: ['validation.required'], password: ['validation.required'] });
    return user;
  }
}
