import { Global, Module } from '@nestjs/common';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isSecretariat } from '../auth/principal';
import { AuditApiController, AuditPageController } from './audit.controller';
import { AuditService } from './audit.service';

const AUDIT_PERMISSIONS = {
  /** the audit log and its CSV */
  'audit:read': isSecretariat,
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof AUDIT_PERMISSIONS, true> {}
}

definePermissions(AUDIT_PERMISSIONS);

/** The append-only audit log: every module writes it through AuditService; the secretariat reads it here. */
@Global()
@Module({ controllers: [AuditApiController, AuditPageController], providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
