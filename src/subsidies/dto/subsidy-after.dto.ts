import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { BudgetItemDto, MAX_YEN } from './subsidy.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const emptyToUndefined = ({ value }: { value: unknown }) =>
  value === '' || value === null ? undefined : typeof value === 'string' ? value.trim() : value;

/** The named municipality's answer once the application is submitted. */
export class PartnerConfirmationDto {
  @ApiProperty({ description: 'true: the municipality takes part; false: it declines' })
  @IsBoolean()
  confirmed: boolean;

  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  comment?: string;
}

/** 変更承認申請 while grant_decided. */
export class ChangeRequestDto {
  @ApiProperty({ description: 'why the plan changes' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  reason: string;

  @ApiPropertyOptional({ description: 'a new grant amount, integer yen (≤ cap and ≤ the new total cost × rate)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_YEN)
  requestedAmount?: number;

  @ApiPropertyOptional({ type: [BudgetItemDto], description: 'the new budget items (the total cost is their sum)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => BudgetItemDto)
  budgetItems?: BudgetItemDto[];
}

/** A secretariat decision with a required comment (told to the applicant). */
export class DecisionCommentDto {
  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  comment: string;
}

export class OptionalDecisionCommentDto {
  @ApiPropertyOptional()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  comment?: string;
}

/** 支払: the date the payment was made. */
export class PaidDto {
  @ApiProperty({ example: '2026-03-31', description: 'YYYY-MM-DD' })
  @IsISO8601({ strict: true })
  paidOn: string;
}

/** The project period and the report deadline of a granted application (secretariat). */
export class ScheduleDto {
  @ApiPropertyOptional({ example: '2026-04-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  projectStartsOn?: string;

  @ApiPropertyOptional({ example: '2027-01-31' })
  @IsOptional()
  @IsISO8601({ strict: true })
  projectEndsOn?: string;

  @ApiProperty({ example: '2027-02-28', description: '実績報告の期限' })
  @IsISO8601({ strict: true })
  reportDueOn: string;
}

export class LedgerQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

/** A reviewer's declared conflict of interest with an organisation. */
export class ConflictDto {
  @ApiProperty()
  @IsUUID()
  organizationId: string;

  @ApiProperty({ description: 'why (e.g. 役員を兼務, 共同研究の相手先)' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}
