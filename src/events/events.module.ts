import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isSecretariat } from '../auth/principal';
import { EventsDemo } from './events.demo';
import { ForumEvent } from './entities/event.entity';
import { CalendarFeed, PitchApplication, PitchJudge, PitchScore } from './entities/pitch.entities';
import { EventPresentation, EventPresentationIssue } from './entities/presentation.entity';
import {
  EventCategory,
  EventGuestRequest,
  EventMessage,
  EventSurvey,
  EventSurveyInvitation,
  EventSurveyResponse,
} from './entities/guest.entities';
import { EventRegistration } from './entities/registration.entity';
import { EventCalendarService } from './calendar.service';
import { CheckInService } from './check-in.service';
import { EventAdminController } from './event-admin.controller';
import { EventFiguresService } from './event-figures.service';
import { EventPages } from './event-pages.service';
import { EventRecords } from './event-records';
import { EventSeats } from './event-seats';
import { GuestRegistrationsService } from './guest-registrations.service';
import { GuestPagesController } from './guest-pages.controller';
import { FollowUpApiController } from './follow-up.api.controller';
import { FollowUpService } from './follow-up.service';
import { EventsApiController } from './events.api.controller';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { PitchPagesController } from './pitch-pages.controller';
import { PitchesService } from './pitches.service';
import { ProgrammesService } from './programmes.service';
import { RegistrationsService } from './registrations.service';
import { EventRemindersService } from './reminders.service';

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
      EventCategory,
      EventGuestRequest,
      EventMessage,
      EventSurvey,
      EventSurveyInvitation,
      EventSurveyResponse,
    ]),
  ],
  // the secretariat's pages first: `GET /events/new` must be matched before `GET /events/:id`
  controllers: [
    EventsApiController,
    FollowUpApiController,
    GuestPagesController,
    EventAdminController,
    EventsController,
    PitchPagesController,
  ],
  providers: [
    EventRecords,
    EventSeats,
    GuestRegistrationsService,
    FollowUpService,
    EventsService,
    ProgrammesService,
    RegistrationsService,
    CheckInService,
    EventCalendarService,
    EventRemindersService,
    EventFiguresService,
    PitchesService,
    EventPages,
    EventsDemo,
  ],
  exports: [EventsService],
})
export class EventsModule {}
