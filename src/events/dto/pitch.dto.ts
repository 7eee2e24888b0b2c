import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PITCH_DECISIONS } from '../events.state';

export class PitchApplyDto {
  @ApiProperty({ description: 'a published solution of your organisation' })
  @IsUUID()
  solutionId: string;

  @ApiPropertyOptional({ description: 'defaults to the solution title' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiProperty({ example: 'AIオンデマンド交通で高齢者の移動を支えます。' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  summary: string;
}

export class PitchDecisionDto {
  @ApiProperty({ enum: PITCH_DECISIONS })
  @IsIn(PITCH_DECISIONS)
  decision: string;
}

export class AssignJudgeDto {
  @ApiProperty()
  @IsUUID()
  userId: string;
}

export class ScoreDto {
  @ApiProperty({ example: { novelty: 4, feasibility: 3, contribution: 5 }, description: 'criterion key → 1–5' })
  @IsObject()
  scores: Record<string, number>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class AwardDto {
  @ApiProperty()
  @IsUUID()
  applicationId: string;

  @ApiProperty({ example: '優秀賞' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  award: string;
}

export class AnnounceAwardsDto {
  @ApiProperty({ type: [AwardDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => AwardDto)
  awards: AwardDto[];
}
