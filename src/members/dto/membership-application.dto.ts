import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ORGANIZATION_KINDS } from '../entities/organization.entity';
import { MEMBERSHIP_STATUSES } from '../membership.state';
import type { MembershipStatus } from '../membership.state';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export class ApplicationOrganizationDto {
  @ApiProperty({ example: '株式会社スマートシティ大阪' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: ORGANIZATION_KINDS })
  @IsIn(ORGANIZATION_KINDS as unknown as string[])
  kind: string;

  @ApiPropertyOptional({ example: '27100', description: 'required for kind=municipality' })
  @ValidateIf((o) => o.kind === 'municipality' || o.municipalityCode !== undefined)
  @IsString()
  @Matches(/^\d{5}$/)
  municipalityCode?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(500)
  website?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  address?: string;
}

export class ApplicationContactDto {
  @ApiProperty({ example: '山田 太郎' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ example: 'taro@example.jp' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: PASSWORD_MIN })
  @IsString()
  @MinLength(PASSWORD_MIN)
  @MaxLength(PASSWORD_MAX)
  password: string;
}

export class CreateMembershipApplicationDto {
  @ApiProperty({ type: ApplicationOrganizationDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ApplicationOrganizationDto)
  organization: ApplicationOrganizationDto;

  @ApiProperty({ type: ApplicationContactDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ApplicationContactDto)
  contact: ApplicationContactDto;

  @ApiProperty({ example: true })
  @Equals(true)
  agreeToTerms: boolean;
}

export class RejectApplicationDto {
  @ApiProperty({ example: '法人の実在が確認できませんでした' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class ApplicationListQuery {
  @IsOptional()
  @IsIn(MEMBERSHIP_STATUSES)
  status?: MembershipStatus;
}

/** The /join page form: flat fields. */
export class JoinFormDto {
  @IsString() @IsNotEmpty() @MaxLength(200) orgName: string;
  @IsIn(ORGANIZATION_KINDS as unknown as string[]) orgKind: string;
  @ValidateIf((o) => o.orgKind === 'municipality') @IsString() @Matches(/^\d{5}$/) municipalityCode?: string;
  @IsOptional()
  @ValidateIf((o) => !!o.website)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(500)
  website?: string;
  @IsOptional() @IsString() @MaxLength(500) address?: string;
  @IsString() @IsNotEmpty() @MaxLength(100) contactName: string;
  @IsEmail() @MaxLength(254) email: string;
  @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX) password: string;
  @IsIn(['on', 'true', '1']) agreeToTerms: string;
}
