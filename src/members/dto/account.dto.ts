import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from './membership-application.dto';

export class CreateTokenDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(PASSWORD_MAX) password: string;
}

/** Optional, but not nullable: `null` is validated (and refused) rather than skipped as @IsOptional would. */
const unlessAbsent = () => ValidateIf((_o: object, v: unknown) => v !== undefined);

export class UpdateProfileDto {
  @ApiPropertyOptional() @unlessAbsent() @IsString() @IsNotEmpty() @MaxLength(100) displayName?: string;
  @ApiPropertyOptional() @unlessAbsent() @IsBoolean() digestEnabled?: boolean;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(PASSWORD_MAX) currentPassword: string;
  @ApiProperty() @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX) newPassword: string;
}

export class CreateInvitationDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email: string;
}

export class AcceptInvitationDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(100) name: string;
  @ApiProperty() @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX) password: string;
}

/** Page form for the profile (checkbox arrives as "on"). */
export class ProfileFormDto {
  @IsString() @IsNotEmpty() @MaxLength(100) displayName: string;
  @IsOptional() @IsString() digestEnabled?: string;
}

export class RequestPasswordResetDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email: string;
}

export class PasswordResetDto {
  @ApiProperty() @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX) password: string;
}
