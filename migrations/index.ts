import { Init1763800000000 } from './1763800000000-Init';
import { ReferenceData1763800000001 } from './1763800000001-ReferenceData';
import { PasswordResets1763800000002 } from './1763800000002-PasswordResets';
import { SearchOutbox1763900000000 } from './1763900000000-SearchOutbox';
import { Marketplace1764000000000 } from './1764000000000-Marketplace';
import { Events1764100000000 } from './1764100000000-Events';
import { ProjectsSubsidies1764200000000 } from './1764200000000-ProjectsSubsidies';
import { Matching1764300000000 } from './1764300000000-Matching';
import { InquiriesAlerts1764400000000 } from './1764400000000-InquiriesAlerts';
import { SubsidyAfterGrant1764500000000 } from './1764500000000-SubsidyAfterGrant';
import { IssueOpenData1764510000000 } from './1764510000000-IssueOpenData';
import { EventGuests1764530000000 } from './1764530000000-EventGuests';
import { EventFollowUp1764540000000 } from './1764540000000-EventFollowUp';

/** Every migration, in order. New migrations are appended here. */
export const migrations = [
  Init1763800000000,
  ReferenceData1763800000001,
  PasswordResets1763800000002,
  SearchOutbox1763900000000,
  Marketplace1764000000000,
  Events1764100000000,
  ProjectsSubsidies1764200000000,
  Matching1764300000000,
  InquiriesAlerts1764400000000,
  SubsidyAfterGrant1764500000000,
  IssueOpenData1764510000000,
  EventGuests1764530000000,
  EventFollowUp1764540000000,
];
