import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQuery } from '../../../libs/common';

export const MESSAGE_MAX = 5000;

/** Exactly one of issueId / solutionId (checked in the service: 400 otherwise). */
export class CreateInquiryDto {
  @ApiPropertyOptional({ description: 'ask the municipality that posted this published issue' })
  @IsOptional()
  @IsUUID()
  issueId?: string;

  @ApiPropertyOptional({ description: 'ask the organisation that listed this published solution' })
  @IsOptional()
  @IsUUID()
  solutionId?: string;

  @ApiProperty({ maxLength: 200, example: '実証実験のご相談' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  subject: string;

  @ApiProperty({ maxLength: MESSAGE_MAX })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MESSAGE_MAX)
  message: string;
}

export class InquiryMessageDto {
  @ApiProperty({ maxLength: MESSAGE_MAX })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MESSAGE_MAX)
  message: string;
}

export class InquiryListQuery extends PageQuery {}
