import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidationOptions,
} from 'class-validator';
import { MAX_MATCHES } from '../matching.service';

export const MAX_GROUPS = 3000;
export const MAX_TERMS_PER_GROUP = 60;
export const MAX_TERM_LENGTH = 60;

export class MatchesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_MATCHES, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_MATCHES)
  limit?: number;
}

/** Every element is an array of 1–60 non-empty strings of at most 60 characters. */
function IsTermGroups(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isTermGroups',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.every(
            (g) =>
              Array.isArray(g) &&
              g.length >= 1 &&
              g.length <= MAX_TERMS_PER_GROUP &&
              g.every((t) => typeof t === 'string' && t.trim() !== '' && t.length <= MAX_TERM_LENGTH),
          ),
      },
    });
}

export class ThesaurusDto {
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'string' } }, example: [['買い物支援', '買い物難民', '移動販売']] })
  @IsArray()
  @ArrayMaxSize(MAX_GROUPS)
  @IsTermGroups()
  groups: string[][];
}

/** The page form: one group per line, terms separated by commas (、 or ,). */
export class ThesaurusFormDto {
  @IsString()
  @MaxLength(MAX_GROUPS * 200)
  groups: string;
}

export function parseGroupsText(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((line) =>
      line
        .split(/[,、，]/)
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    )
    .filter((g) => g.length > 0);
}

export function groupsToText(groups: string[][]): string {
  return groups.map((g) => g.join(', ')).join('\n');
}
