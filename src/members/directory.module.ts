import { Global, Module } from '@nestjs/common';
import { MembersAccounts } from './accounts.service';
import { MembersDirectory } from './directory.service';

/**
 * The members' read model (and the account port of the auth module) on its own, importing nothing, so that any
 * feature module can depend on it without a cycle through MembersModule (whose pages show other modules' data).
 */
@Global()
@Module({
  providers: [MembersDirectory, MembersAccounts],
  exports: [MembersDirectory, MembersAccounts],
})
export class MembersDirectoryModule {}
