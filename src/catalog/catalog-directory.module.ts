import { Global, Module } from '@nestjs/common';
import { IssuesDirectory } from '../issues/issues.directory';
import { SolutionsDirectory } from '../solutions/solutions.directory';

/**
 * The read models of issues and solutions on their own, importing nothing, so that any module can depend on them
 * without a cycle through the feature modules (whose pages show other modules' data).
 */
@Global()
@Module({
  providers: [IssuesDirectory, SolutionsDirectory],
  exports: [IssuesDirectory, SolutionsDirectory],
})
export class CatalogDirectoryModule {}
