import { Body, Controller, Get, Module, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Can, Public } from '../auth/decorators';
import type { KyosoRequest } from '../web/request';
import { Field } from './field.entity';
import { FieldsService } from './fields.service';

export class CreateFieldDto {
  @Matches(/^[a-z][a-z0-9-]{1,39}$/) slug: string;
  @IsString() @IsNotEmpty() @MaxLength(100) name: string;
  @IsOptional() @IsString() @MaxLength(100) nameEn?: string;
}

@ApiTags('fields')
@Controller('api/v1/fields')
export class FieldsApiController {
  constructor(private readonly fields: FieldsService) {}

  @Public()
  @Get()
  async list(@Req() req: KyosoRequest) {
    return (await this.fields.list(req.lang)).map((f) => ({ slug: f.slug, name: f.name }));
  }

  @Can('fields:manage')
  @Post()
  async create(@Body() dto: CreateFieldDto) {
    const f = await this.fields.create(dto.slug, dto.name, dto.nameEn);
    return { slug: f.slug, name: f.name };
  }
}

@Module({
  imports: [TypeOrmModule.forFeature([Field])],
  controllers: [FieldsApiController],
  providers: [FieldsService],
  exports: [FieldsService],
})
export class FieldsModule {}
