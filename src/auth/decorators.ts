import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Permission } from './permissions';
import type { Principal } from './principal';

export const PUBLIC_KEY = 'kyoso:public';
export const PERMISSION_KEY = 'kyoso:permission';

/** Anyone, signed in or not, may call this route. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Only a signed-in principal holding this permission may call this route. */
export const Can = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);

/** The signed-in principal (undefined on public routes when anonymous). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal | undefined => {
  return ctx.switchToHttp().getRequest().principal;
});
