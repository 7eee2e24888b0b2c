import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../../libs/common';
import { APPLICATION_STATUSES } from '../subsidy.state';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const emptyToUndefined = ({ value }: { value: unknown }) =>
  value === '' || value === null ? undefined : typeof value === 'string' ? value.trim() : value;
/** integer yen: at most 2,000,000,000 (the columns are 32-bit integers) */
export const MAX_YEN = 2_000_000_000;

export class CriterionDto {
  @ApiProperty({ example: 'novelty' })
  @Matches(/^[a-z][a-z0-9_]{0,39}$/)
  key: string;

  @ApiProperty({ example: '新規性' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  label: string;

  @ApiProperty({ example: 1, description: 'relative weight (> 0)' })
  @IsNumber({ maxDecimalPlaces: 3 })
  @Min(0.001)
  @Max(100)
  weight: number;
}

export class CreateProgramDto {
  @ApiProperty({ example: '令和7年度 プロジェクト推進補助金' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string;

  @ApiPropertyOptional({ description: 'cap per project, integer yen', default: 1000000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_YEN)
  maxAmountPerProject?: number;

  @ApiProperty({ example: 0.5, description: 'subsidy rate as a FRACTION of the total cost, 0 < rate ≤ 1 (0.5 = half); at most 6 decimals' })
  @IsNumber({ maxDecimalPlaces: 6 })
  @Min(0.000001)
  @Max(1)
  subsidyRate: number;

  @ApiPropertyOptional({ description: "the programme's total budget, integer yen (for the remaining budget and a check at grant time)" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_YEN)
  budgetTotal?: number;

  @ApiProperty({ example: '2025-04-01T00:00:00+09:00' })
  @IsISO8601({ strict: true })
  opensAt: string;

  @ApiProperty({ example: '2025-06-30T23:59:59+09:00' })
  @IsISO8601({ strict: true })
  closesAt: string;

  @ApiProperty()
  @IsBoolean()
  requiresMunicipalPartner: boolean;

  @ApiPropertyOptional({ description: 'days after the grant decision in which the applicant may withdraw', default: 10 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365)
  withdrawalDaysAfterGrant?: number;

  @ApiPropertyOptional({ type: [CriterionDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  criteria?: CriterionDto[];
}

export class BudgetItemDto {
  @ApiProperty({ example: '車両リース費' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  item: string;

  @ApiProperty({ example: 800000 })
  @IsInt()
  @Min(0)
  @Max(MAX_YEN)
  amount: number;
}

export class CreateApplicationDto {
  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  summary: string;

  @ApiProperty({ description: 'integer yen; ≤ the cap and ≤ floor(total cost × rate)' })
  @IsInt()
  @Min(1)
  @Max(MAX_YEN)
  requestedAmount: number;

  @ApiProperty({ type: [BudgetItemDto], description: 'the total cost is their sum' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => BudgetItemDto)
  budgetItems: BudgetItemDto[];

  @ApiPropertyOptional({ description: 'a municipality member organisation' })
  @IsOptional()
  @IsUUID()
  municipalPartnerOrganizationId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  projectId?: string;
}

export class UpdateApplicationDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  summary?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_YEN)
  requestedAmount?: number;

  @ApiPropertyOptional({ type: [BudgetItemDto] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => BudgetItemDto)
  budgetItems?: BudgetItemDto[];

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsUUID()
  municipalPartnerOrganizationId?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsUUID()
  projectId?: string | null;
}

export class CommentDto {
  @ApiProperty({ description: 'told to the applicant' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  comment: string;
}

export class OptionalCommentDto {
  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  comment?: string;
}

export class ReviewDto {
  @ApiPropertyOptional({ description: '{ <criterion key>: 1–5 } for a programme with criteria', example: { novelty: 4, feasibility: 3 } })
  @IsOptional()
  @IsObject()
  scores?: Record<string, number>;

  @ApiPropertyOptional({ description: 'a single score 1–5 for a programme without criteria' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  score?: number;

  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  comment: string;
}

export class DecisionDto {
  @ApiProperty({ enum: ['adopted', 'rejected'] })
  @IsIn(['adopted', 'rejected'])
  decision: 'adopted' | 'rejected';

  @ApiPropertyOptional({ description: 'with `adopted`: the grant (交付決定) in the same step → grant_decided; ≤ requested and ≤ the cap' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_YEN)
  grantedAmount?: number;

  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  comment?: string;
}

export class GrantDto {
  @ApiProperty()
  @IsInt()
  @Min(1)
  @Max(MAX_YEN)
  grantedAmount: number;

  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  comment?: string;
}

export class ReportDto {
  @ApiProperty({ description: 'actual cost, integer yen' })
  @IsInt()
  @Min(0)
  @Max(MAX_YEN)
  actualCost: number;

  @ApiProperty({ description: 'outcomes of the project' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  outcome: string;
}

export class ConfirmDto {
  @ApiPropertyOptional({
    description: 'the final amount (額の確定); omitted → computed as min(granted, floor(actual cost × rate), cap); above that → 400',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_YEN)
  confirmedAmount?: number;

  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  comment?: string;
}

export class AssignReviewerDto {
  @ApiPropertyOptional({ description: 'the reviewer user id (or give email)' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class ApplicationListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: APPLICATION_STATUSES })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(APPLICATION_STATUSES)
  status?: string;

  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID()
  programId?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class ProgramListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only programmes open now' })
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : ['1', 'true', 'yes'].includes(String(value))))
  @IsOptional()
  @IsBoolean()
  open?: boolean;
}

export class FiguresQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  fiscalYear?: number;
}
