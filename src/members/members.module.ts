import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Invitation } from './entities/invitation.entity';
import { MembershipApplication } from './entities/membership-application.entity';
import { Municipality } from './entities/municipality.entity';
import { Organization } from './entities/organization.entity';
import { User } from './entities/user.entity';
import { MembersApiController } from './members.api.controller';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  imports: [TypeOrmModule.forFeature([Municipality, Organization, User, MembershipApplication, Invitation])],
  controllers: [MembersApiController, MembersController],
  providers: [MembersService],
  exports: [MembersService],
})
export class MembersModule {}
