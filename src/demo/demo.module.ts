import { Global, Module, OnApplicationBootstrap } from '@nestjs/common';
import { MembersModule } from '../members/members.module';
import { DemoService } from './demo.service';

@Global()
@Module({ imports: [MembersModule], providers: [DemoService], exports: [DemoService] })
export class DemoModule implements OnApplicationBootstrap {
  constructor(private readonly demo: DemoService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.demo.bootstrap();
  }
}
