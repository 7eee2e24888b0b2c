import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './access.guard';
import { ApiTokensService } from './api-tokens.service';
import { AuthApiController } from './auth.api.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { ApiToken } from './entities/api-token.entity';
import { LoginAttempt } from './entities/login-attempt.entity';
import { PasswordReset } from './entities/password-reset.entity';
import { LocalStrategy } from './local.strategy';

@Global()
@Module({
  imports: [PassportModule.register({ session: false }), TypeOrmModule.forFeature([ApiToken, LoginAttempt, PasswordReset])],
  controllers: [AuthApiController, AuthController],
  providers: [AuthService, ApiTokensService, LocalStrategy, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [AuthService, ApiTokensService],
})
export class AuthModule {}
