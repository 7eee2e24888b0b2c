import { Global, Module } from '@nestjs/common';
import { MembersDirectory } from './directory.service';

/**
 * The members' read model on its own, importing nothing, so that any feature module can depend on it without a
 * cycle through MembersModule (whose pages show other modules' data).
 */
@Global()
@Module({
  providers: [MembersDirectory],
  exports: [MembersDirectory],
})
export class MembersDirectoryModule {}
