import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../../libs/common';
import { toList } from '../../catalog/text';
import { SAVED_SEARCH_KINDS } from '../entities/saved-search.entity';

/** A search to watch: the same keyword and filters as /issues or /solutions. `field`/`municipality` take one value or a list. */
export class CreateSavedSearchDto {
  @ApiProperty({ enum: SAVED_SEARCH_KINDS })
  @IsIn(SAVED_SEARCH_KINDS as unknown as string[])
  kind: 'issues' | 'solutions';

  @ApiPropertyOptional({ maxLength: 200, example: '買い物支援' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ type: [String], description: 'field slug(s)' })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z][a-z0-9-]{1,39}$/, { each: true })
  field?: string[];

  @ApiPropertyOptional({ type: [String], description: 'municipality code(s); issues only' })
  @Transform(({ value }) => toList(value))
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(43)
  @Matches(/^\d{5}$/, { each: true })
  municipality?: string[];
}

export class NotificationListQuery extends PageQuery {
  @ApiPropertyOptional({ description: '1 = unread only' })
  @IsOptional()
  @IsIn(['1', 'true'])
  unread?: string;
}
