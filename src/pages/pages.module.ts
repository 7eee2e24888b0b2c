import { Controller, Get, Module, Query, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { FieldsModule } from '../fields/fields.module';
import { FieldsService } from '../fields/fields.service';

@ApiExcludeController()
@Controller()
export class PagesController {
  constructor(private readonly fields: FieldsService) {}

  /** The top page: what the forum is, and where to go next. */
  @Public()
  @Get()
  @Render('pages/top')
  async top(@Query('loggedOut') loggedOut?: string) {
    return { fields: await this.fields.list(), loggedOut: !!loggedOut };
  }
}

@Module({ imports: [FieldsModule], controllers: [PagesController] })
export class PagesModule {}
