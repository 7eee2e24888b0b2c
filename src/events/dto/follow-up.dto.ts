import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { QuestionDto } from './guest.dto';

export const MESSAGE_AUDIENCES = ['all', 'category', 'waitlist'] as const;

export class EventMessageDto {
  @ApiProperty({ enum: MESSAGE_AUDIENCES })
  @IsIn(MESSAGE_AUDIENCES as unknown as string[])
  audience: string;

  @ApiPropertyOptional({ description: 'the category, for audience "category"' })
  @IsOptional()
  @IsUUID()
  categoryId?: string;

  @ApiProperty({ example: '会場の変更について' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  subject: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  body: string;
}

export class SurveyDto {
  @ApiProperty({ type: [QuestionDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => QuestionDto)
  questions: QuestionDto[];

  @ApiPropertyOptional({ default: false, description: 'responses are not linked to the attendee' })
  @IsOptional()
  @IsBoolean()
  anonymous?: boolean;
}

export class SurveyResponseDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;

  @ApiProperty({ description: 'answers by question key' })
  @IsObject()
  answers: Record<string, unknown>;
}

export class RecordedAttendanceDto {
  @ApiProperty({ description: 'people who attended (recorded by hand)' })
  @IsInt()
  @Min(0)
  @Max(1000000)
  attended: number;

  @ApiPropertyOptional({ description: 'organisations that attended' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000000)
  organizations?: number;
}
