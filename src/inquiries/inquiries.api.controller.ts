import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { CreateInquiryDto, InquiryListQuery, InquiryMessageDto } from './dto/inquiry.dto';
import { InquiriesService } from './inquiries.service';

@ApiTags('inquiries')
@ApiBearerAuth()
@Controller('api/v1/inquiries')
export class InquiriesApiController {
  constructor(private readonly inquiries: InquiriesService) {}

  /** Opens a thread about a published issue (companies → the municipality) or solution (municipalities → the provider). */
  @Can('inquiries:use')
  @Post()
  create(@Body() dto: CreateInquiryDto, @CurrentUser() p: Principal) {
    return this.inquiries.create(p, dto);
  }

  /** Your organisation's threads (the secretariat: all), newest activity first, with unread counts. */
  @Can('inquiries:use')
  @Get()
  list(@Query() q: InquiryListQuery, @CurrentUser() p: Principal) {
    return this.inquiries.list(p, q.page, q.perPage);
  }

  /** A thread with its messages (marks them read for you). 404 unless your organisation is one of the two sides. */
  @Can('inquiries:use')
  @Get(':id')
  get(@Param('id') id: string, @CurrentUser() p: Principal) {
    return this.inquiries.get(id, p);
  }

  @Can('inquiries:use')
  @Post(':id/messages')
  reply(@Param('id') id: string, @Body() dto: InquiryMessageDto, @CurrentUser() p: Principal) {
    return this.inquiries.reply(id, p, dto.message);
  }
}
