import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isSecretariat } from '../auth/principal';
import { EventsDemo } from './events.demo';
import { ForumEvent } from './entities/event.entity';
import { CalendarFeed, PitchApplication, PitchJudge, PitchScore } from './entities/pitch.entities';
import { EventPresentation, EventPresentationIssue } from './entities/presentation.entity';
import { EventRegistration } from './entities/registration.entity';
import { EventsApiController } from './events.api.controller';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { PitchesService } from './pitches.service';

const EVENTS_PERMISSIONS = {
  /** create, edit, publish and cancel events; registrations, check-in, judges, awards */
  'events:manage': isSecretariat,
  /** startups (any non-municipal member organisation) apply to pitch */
  'events:pitch-apply': (p) => !!p.organizationId && p.organizationKind !== 'municipality' && !isSecretariat(p),
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof EVENTS_PERMISSIONS, true> {}
}

definePermissions(EVENTS_PERMISSIONS);

@Module({
  imports: [
    TypeOrmModule.forFeature([
      ForumEvent,
      EventRegistration,
      EventPresentation,
      EventPresentationIssue,
      PitchApplication,
      PitchJudge,
      PitchScore,
      CalendarFeed,
    ]),
  ],
  controllers: [EventsApiController, EventsController],
  providers: [EventsService, PitchesService, EventsDemo],
  exports: [EventsService],
})
export class EventsModule {}
