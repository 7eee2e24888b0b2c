import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../../libs/common';
import { PERMISSION_KEY, PUBLIC_KEY } from './decorators';
import { permissionRule } from './permissions';
import type { Principal } from './principal';

/**
 * Deny by default: a route is reachable only if it is marked @Public() or declares a permission
 * with @Can(...) that the signed-in principal holds. 401 when not signed in, 403 when not allowed.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const permission = this.reflector.getAllAndOverride<string>(PERMISSION_KEY, targets);
    const req = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
    if (!permission) throw new AppError(403, 'forbidden'); // a route without a declaration is closed
    const rule = permissionRule(permission);
    if (!rule) throw new AppError(403, 'forbidden');
    if (!req.principal) throw new AppError(401, 'unauthorized');
    if (!rule(req.principal)) throw new AppError(403, 'forbidden');
    return true;
  }
}
