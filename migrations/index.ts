import { Init1763800000000 } from './1763800000000-Init';
import { ReferenceData1763800000001 } from './1763800000001-ReferenceData';
import { SearchOutbox1763900000000 } from './1763900000000-SearchOutbox';

/** Every migration, in order. New migrations are appended here. */
export const migrations = [Init1763800000000, ReferenceData1763800000001, SearchOutbox1763900000000];
