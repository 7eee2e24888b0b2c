import { Module } from '@nestjs/common';
import { MembersModule } from '../members/members.module';
import { SecretariatController } from './secretariat.controller';

@Module({ imports: [MembersModule], controllers: [SecretariatController] })
export class SecretariatModule {}
