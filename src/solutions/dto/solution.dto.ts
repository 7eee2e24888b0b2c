import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { PageQuery } from '../../../libs/common';
import { ORGANIZATION_KINDS } from '../../members/organization-kinds';
import { splitTags, toList } from '../../catalog/text';

const SLUG = /^[a-z][a-z0-9-]{1,39}$/;

export class CreateSolutionDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiProperty({ maxLength: 500 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  summary: string;

  @ApiProperty({ maxLength: 20000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  body: string;

  @ApiProperty({ type: [String], example: ['elderly'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  fieldSlugs: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ enum: ['draft', 'published'], default: 'draft' })
  @IsOptional()
  @IsIn(['draft', 'published'])
  status?: 'draft' | 'published';

  @ApiPropertyOptional({ description: '導入実績' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  trackRecord?: string | null;

  @ApiPropertyOptional({ example: '月額5万円〜' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  priceRange?: string | null;
}

export class UpdateSolutionDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @ValidateIf((o) => o.title !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @ValidateIf((o) => o.summary !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  summary?: string;

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
  @MaxLength(5000)
  trackRecord?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  priceRange?: string | null;

  @ApiPropertyOptional({ description: 'the version you edited (optimistic concurrency)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class SolutionSearchQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ type: [String] })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(SLUG, { each: true })
  field?: string[];

  @ApiPropertyOptional({ type: [String], description: 'organisation id(s)' })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  organization?: string[];

  @ApiPropertyOptional({ type: [String], enum: ORGANIZATION_KINDS })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @IsIn(ORGANIZATION_KINDS as unknown as string[], { each: true })
  organizationKind?: string[];

  @ApiPropertyOptional({ enum: ['published', 'draft'], description: 'default published; draft = your own drafts' })
  @IsOptional()
  @IsIn(['published', 'draft'])
  status?: 'published' | 'draft';

  @ApiPropertyOptional({ enum: ['relevance', 'newest'] })
  @IsOptional()
  @IsIn(['relevance', 'newest'])
  sort?: 'relevance' | 'newest';
}

export class SolutionFormDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  summary: string;

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
  @MaxLength(5000)
  trackRecord?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  priceRange?: string;

  @IsOptional()
  @IsIn(['draft', 'published'])
  status?: 'draft' | 'published';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}
