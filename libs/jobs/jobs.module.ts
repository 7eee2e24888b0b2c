import { Global, Module, OnApplicationBootstrap } from '@nestjs/common';
import { JobsService } from './jobs.service';

@Global()
@Module({ providers: [JobsService], exports: [JobsService] })
export class JobsModule implements OnApplicationBootstrap {
  constructor(private readonly jobs: JobsService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.start();
  }
}
