import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../../libs/common';
import { EVENT_KINDS, EVENT_VISIBILITIES } from '../entities/event.entity';
import { EVENT_STATUSES } from '../events.state';
import { EventExtrasDto } from './guest.dto';

export class PresentationDto {
  @ApiProperty({ example: '27100', description: 'local government code of the presenting municipality' })
  @IsString()
  @Matches(/^\d{5}$/)
  municipalityCode: string;

  @ApiPropertyOptional({ type: [String], description: 'ids of published issues presented' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true })
  issueIds?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  order?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  startsAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  endsAt?: string;
}

export class CriterionDto {
  @ApiProperty({ example: 'novelty' })
  @Matches(/^[a-z][a-zA-Z0-9_]{0,31}$/)
  key: string;

  @ApiProperty({ example: '新規性' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(60)
  label: string;
}

export class CreateEventDto extends EventExtrasDto {
  @ApiProperty({ example: '第9回 課題プレゼンテーション Meet Up' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiProperty({ enum: EVENT_KINDS })
  @IsIn(EVENT_KINDS as unknown as string[])
  kind: string;

  @ApiProperty()
  @IsString()
  @MaxLength(20000)
  description: string;

  @ApiProperty({ example: '2026-06-10T14:00:00+09:00' })
  @IsISO8601({ strict: true })
  startsAt: string;

  @ApiProperty({ example: '2026-06-10T17:00:00+09:00' })
  @IsISO8601({ strict: true })
  endsAt: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  venue?: string;

  @ApiPropertyOptional({ description: 'shown only to confirmed registrants' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(1000)
  onlineUrl?: string;

  @ApiProperty({ minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(100000)
  capacity: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  registrationOpensAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  registrationClosesAt?: string;

  @ApiPropertyOptional({ enum: EVENT_VISIBILITIES, default: 'members' })
  @IsOptional()
  @IsIn(EVENT_VISIBILITIES as unknown as string[])
  visibility?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(1000)
  coverImageUrl?: string;

  @ApiPropertyOptional({ enum: ['draft', 'published'], default: 'published' })
  @IsOptional()
  @IsIn(['draft', 'published'])
  status?: string;

  @ApiPropertyOptional({ type: [String], description: 'published issues presented (Meet-Up); grouped by municipality' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  issueIds?: string[];

  @ApiPropertyOptional({ type: [PresentationDto], description: 'Meet-Up programme' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PresentationDto)
  presentations?: PresentationDto[];

  @ApiPropertyOptional({ type: [CriterionDto], description: 'pitch day judging criteria (default 新規性・実現性・地域課題への貢献)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  criteria?: CriterionDto[];
}

export class UpdateEventDto extends EventExtrasDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ enum: EVENT_KINDS })
  @IsOptional()
  @IsIn(EVENT_KINDS as unknown as string[])
  kind?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  description?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  startsAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  endsAt?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  venue?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(1000)
  onlineUrl?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  capacity?: number;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  registrationOpensAt?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  registrationClosesAt?: string | null;

  @ApiPropertyOptional({ enum: EVENT_VISIBILITIES })
  @IsOptional()
  @IsIn(EVENT_VISIBILITIES as unknown as string[])
  visibility?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(1000)
  coverImageUrl?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  issueIds?: string[];

  @ApiPropertyOptional({ type: [PresentationDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PresentationDto)
  presentations?: PresentationDto[];

  @ApiPropertyOptional({ type: [CriterionDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  criteria?: CriterionDto[];
}

export class CancelEventDto {
  @ApiProperty({ example: '台風接近のため中止します。' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class EventListQuery extends PageQuery {
  @IsOptional() @IsISO8601() from?: string;
  @IsOptional() @IsISO8601() to?: string;
  @IsOptional() @IsIn(EVENT_KINDS as unknown as string[]) kind?: string;
  @IsOptional() @IsIn(EVENT_STATUSES) status?: string;
}

export class RegisterDto {
  @ApiPropertyOptional({ description: 'a colleague of your organisation (org admins) or anyone (secretariat)' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ description: 'a ticket category id (or key)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  categoryId?: string;

  @ApiPropertyOptional({ description: 'answers by question key' })
  @IsOptional()
  @IsObject()
  answers?: Record<string, unknown>;
}

export class RegistrationsQuery {
  @IsOptional() @IsIn(['json', 'csv']) format?: string;
}

export class CheckInDto {
  @ApiProperty({ example: 'K7PX3M9A' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  code: string;

  @ApiPropertyOptional({ description: 'check in outside the event day (the secretariat overrides)' })
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

/** Page form for creating/editing an event: datetime-local values are Asia/Tokyo. */
export class EventFormDto {
  @IsString() @IsNotEmpty() @MaxLength(200) title: string;
  @IsIn(EVENT_KINDS as unknown as string[]) kind: string;
  @IsOptional() @IsString() @MaxLength(20000) description?: string;
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/) startsAt: string;
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/) endsAt: string;
  @IsOptional() @IsString() @MaxLength(500) venue?: string;
  @IsOptional() @Matches(/^$|^https?:\/\/\S+$/) @MaxLength(1000) onlineUrl?: string;
  @Type(() => Number) @IsInt() @Min(1) @Max(100000) capacity: number;
  @IsOptional() @Matches(/^$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/) registrationOpensAt?: string;
  @IsOptional() @Matches(/^$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/) registrationClosesAt?: string;
  @IsIn(EVENT_VISIBILITIES as unknown as string[]) visibility: string;
  @IsOptional() @IsIn(['draft', 'published']) status?: string;
  @IsOptional() @IsString() @MaxLength(5000) categoriesText?: string;
  @IsOptional() @IsString() @MaxLength(20000) questionsText?: string;
}

export class PresentationFormDto {
  @Matches(/^\d{5}$/) municipalityCode: string;
  @IsOptional() @IsString() @MaxLength(200) title?: string;
  @IsOptional() @Matches(/^[0-9a-fA-F\-\s,]*$/) @MaxLength(2000) issueIds?: string;
  @IsOptional() @Matches(/^$|^\d{2}:\d{2}$/) slotStart?: string;
  @IsOptional() @Matches(/^$|^\d{2}:\d{2}$/) slotEnd?: string;
}
