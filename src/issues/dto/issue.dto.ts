import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { PageQuery } from '../../../libs/common';
import { ORGANIZATION_KINDS } from '../../members/organization-kinds';
import { splitTags, toList } from '../../catalog/text';
import { BUDGET_STATUSES, CLOSE_REASONS } from '../entities/issue.entity';

const SLUG = /^[a-z][a-z0-9-]{1,39}$/;

export class CreateIssueDto {
  @ApiProperty({ maxLength: 200, example: '増え続ける空き家の実態を把握したい' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiProperty({ maxLength: 20000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  body: string;

  @ApiProperty({ type: [String], example: ['safety'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  fieldSlugs: string[];

  @ApiPropertyOptional({ type: [String], description: 'at most 20 tags of at most 40 characters; trimmed and deduplicated' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ enum: ['draft', 'published'], default: 'draft' })
  @IsOptional()
  @IsIn(['draft', 'published'])
  status?: 'draft' | 'published';

  @ApiPropertyOptional({ example: '2026年度中' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  desiredTimeline?: string | null;

  @ApiPropertyOptional({ enum: BUDGET_STATUSES, description: '予算化済 / 予算要求予定 / 未定' })
  @IsOptional()
  @IsIn(BUDGET_STATUSES as unknown as string[])
  budgetStatus?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  contactName?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  contactEmail?: string | null;

  @ApiPropertyOptional({ default: false, description: 'released as open data (/api/v1/open-data); false: members only' })
  @IsOptional()
  @IsBoolean()
  openData?: boolean;
}

/** PATCH: absent = unchanged; null clears an optional field. `version` (from GET) makes the edit fail with 409 if someone else saved meanwhile. */
export class UpdateIssueDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @ValidateIf((o) => o.title !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ maxLength: 20000 })
  @ValidateIf((o) => o.body !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  body?: string;

  @ApiPropertyOptional({ type: [String] })
  @ValidateIf((o) => o.fieldSlugs !== undefined)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  fieldSlugs?: string[];

  @ApiPropertyOptional({ type: [String] })
  @ValidateIf((o) => o.tags !== undefined)
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  desiredTimeline?: string | null;

  @ApiPropertyOptional({ enum: BUDGET_STATUSES })
  @IsOptional()
  @IsIn(BUDGET_STATUSES as unknown as string[])
  budgetStatus?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  contactName?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  contactEmail?: string | null;

  @ApiPropertyOptional({ description: 'released as open data (/api/v1/open-data); false: members only' })
  @IsOptional()
  @IsBoolean()
  openData?: boolean;

  @ApiPropertyOptional({ description: 'the version you edited (optimistic concurrency)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class CloseIssueDto {
  @ApiProperty({ description: `one of ${CLOSE_REASONS.join(', ')}, or free text (stored as "other" with the text as note)` })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class IssueSearchQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'keywords (Japanese works)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ type: [String], description: 'field slug(s); repeat or comma-separate' })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(SLUG, { each: true })
  field?: string[];

  @ApiPropertyOptional({ type: [String], description: 'municipality code(s), e.g. 27214' })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(43)
  @Matches(/^\d{5}$/, { each: true })
  municipality?: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: ['published', 'closed', 'draft'],
    description: 'default published; draft = your own drafts',
  })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @IsIn(['published', 'closed', 'draft'], { each: true })
  status?: string[];

  @ApiPropertyOptional({ type: [String], enum: ORGANIZATION_KINDS })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @IsIn(ORGANIZATION_KINDS as unknown as string[], { each: true })
  organizationKind?: string[];

  @ApiPropertyOptional({ example: '2025-04-01', description: 'published on or after (Asia/Tokyo)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  postedFrom?: string;

  @ApiPropertyOptional({ example: '2026-03-31', description: 'published on or before (Asia/Tokyo)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  postedTo?: string;

  @ApiPropertyOptional({ enum: ['relevance', 'newest'] })
  @IsOptional()
  @IsIn(['relevance', 'newest'])
  sort?: 'relevance' | 'newest';
}

/** The issue form on pages (fieldSlugs as checkboxes, tags in one text field). */
export class IssueFormDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  body: string;

  @Transform(({ value }) => toList(value) ?? [])
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  fieldSlugs: string[];

  @Transform(({ value }) => splitTags(typeof value === 'string' ? value : ''))
  @IsArray()
  @IsString({ each: true })
  tags: string[];

  @IsOptional()
  @IsString()
  @MaxLength(200)
  desiredTimeline?: string;

  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsOptional()
  @IsIn(BUDGET_STATUSES as unknown as string[])
  budgetStatus?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  contactName?: string;

  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  contactEmail?: string;

  /** checkbox: present ("true") = released as open data */
  @Transform(({ value }) => value === 'true' || value === true)
  @IsOptional()
  @IsBoolean()
  openData?: boolean;

  @IsOptional()
  @IsIn(['draft', 'published'])
  status?: 'draft' | 'published';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class CloseIssueFormDto {
  @IsIn(CLOSE_REASONS as unknown as string[])
  reason: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
