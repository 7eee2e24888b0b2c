import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { QUESTION_TYPES } from '../entities/event.entity';

export class CategoryDto {
  @ApiProperty({ example: 'venue' })
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/)
  key: string;

  @ApiProperty({ example: '会場参加' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  label: string;

  @ApiProperty({ minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(100000)
  capacity: number;

  @ApiPropertyOptional({ description: 'online: its registrants see the online URL (not the venue)' })
  @IsOptional()
  @IsBoolean()
  online?: boolean;
}

export class QuestionDto {
  @ApiProperty({ example: 'interest' })
  @Matches(/^[a-z][a-zA-Z0-9_]{0,31}$/)
  key: string;

  @ApiProperty({ example: '関心のある分野' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  label: string;

  @ApiProperty({ enum: QUESTION_TYPES })
  @IsIn(QUESTION_TYPES as unknown as string[])
  type: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  options?: string[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  required?: boolean;
}

/** Categories and questions on POST/PATCH /events. */
export class EventExtrasDto {
  @ApiPropertyOptional({ type: [CategoryDto], description: 'ticket categories (参加枠), each with its own capacity and waitlist' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => CategoryDto)
  categories?: CategoryDto[];

  @ApiPropertyOptional({ type: [QuestionDto], description: 'registration questions' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => QuestionDto)
  questions?: QuestionDto[];
}

export class GuestRegistrationDto {
  @ApiProperty({ example: '山田 花子' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ example: 'hanako@example.jp' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ example: '○○株式会社' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  organizationName?: string;

  @ApiPropertyOptional({ description: 'a ticket category id (or key)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  categoryId?: string;

  @ApiPropertyOptional({ description: 'answers by question key: a string, or strings for multiple choice' })
  @IsOptional()
  @IsObject()
  answers?: Record<string, unknown>;

  @ApiProperty({ example: true })
  @Equals(true)
  agreeToTerms: boolean;
}

export class GuestTokenDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;
}
