import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQuery } from '../../../libs/common';
import { PROJECT_STAGES, TRANSITION_TARGETS } from '../project.state';
import type { ProjectStage } from '../project.state';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const emptyToUndefined = ({ value }: { value: unknown }) =>
  value === '' || value === null ? undefined : typeof value === 'string' ? value.trim() : value;
/** a form posts one value as a string and several as an array */
const toArray = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Array.isArray(value) ? value : [value];

export class CreateProjectDto {
  @ApiProperty({ example: 'AIオンデマンド交通の実証' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiProperty({ example: 'mobility' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  fieldSlug: string;

  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  summary: string;

  @ApiProperty({ description: 'the coordinator organisation (プロジェクトコーディネーター)' })
  @IsUUID()
  coordinatorOrganizationId: string;

  @ApiProperty({ type: [String], description: 'participating municipality organisations' })
  @Transform(toArray)
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  municipalityOrganizationIds: string[];

  @ApiPropertyOptional({ type: [String] })
  @Transform(toArray)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  memberOrganizationIds?: string[];

  @ApiPropertyOptional({ description: 'the issue the project started from' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID()
  originIssueId?: string;

  @ApiPropertyOptional({ type: [String] })
  @Transform(toArray)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  solutionIds?: string[];
}

export class ProjectTransitionDto {
  @ApiProperty({ enum: TRANSITION_TARGETS })
  @IsIn(TRANSITION_TARGETS)
  to: ProjectStage;

  @ApiPropertyOptional({ description: 'a note kept in the timeline with the date of the transition' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class ProjectListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'field slug' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(40)
  field?: string;

  @ApiPropertyOptional({ enum: PROJECT_STAGES })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(PROJECT_STAGES)
  stage?: string;

  @ApiPropertyOptional({ description: 'words in the title or summary' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ description: 'participating or coordinating organisation id' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID()
  organization?: string;

  @ApiPropertyOptional({ description: 'projects started from this issue' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID()
  originIssue?: string;
}
