export * from './search.types';
export * from './filter';
export { MeiliError } from './meili-http';
export { SearchService } from './search.service';
export { SearchOutbox, backoffMs } from './search-outbox';
export { SearchModule } from './search.module';
