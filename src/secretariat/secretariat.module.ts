import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { MembersModule } from '../members/members.module';
import { ProjectsModule } from '../projects/projects.module';
import { SubsidiesModule } from '../subsidies/subsidies.module';
import { FiguresApiController } from './figures.api.controller';
import { FiguresService } from './figures.service';
import { SecretariatController } from './secretariat.controller';

@Module({
  imports: [MembersModule, EventsModule, ProjectsModule, SubsidiesModule],
  controllers: [SecretariatController, FiguresApiController],
  providers: [FiguresService],
  exports: [FiguresService],
})
export class SecretariatModule {}
