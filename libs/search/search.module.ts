import { Global, Module } from '@nestjs/common';
import { SearchOutbox } from './search-outbox';
import { SearchService } from './search.service';

/**
 * The one place that talks to Meilisearch. Expects `AppConfig` (class token) and the TypeORM `DataSource`
 * to be provided globally by the application.
 */
@Global()
@Module({
  providers: [SearchService, SearchOutbox],
  exports: [SearchService, SearchOutbox],
})
export class SearchModule {}
