import { Injectable, Logger } from '@nestjs/common';
import { SearchService } from '../../libs/search';
import { ISSUES_INDEX } from '../issues/issue.view';
import { SOLUTIONS_INDEX } from '../solutions/solution.view';
import { cleanText } from './text';

export interface Suggestion {
  type: 'issue' | 'solution';
  id: string;
  title: string;
  url: string;
}

/** Search-as-you-type across issues and solutions. */
@Injectable()
export class SuggestService {
  private readonly log = new Logger(SuggestService.name);

  constructor(private readonly search: SearchService) {}

  /** Up to 8 titles of published issues and solutions (search-as-you-type). Search being down → no suggestions. */
  async suggest(q: string | undefined): Promise<{ items: Suggestion[] }> {
    const text = cleanText(q ?? '').replace(/[\u0001\u0002]/g, '');
    if (!text) return { items: [] };
    try {
      const res = await this.search.multiSearch<{ id: string; title: string }>(
        [
          {
            index: ISSUES_INDEX,
            q: text,
            filter: 'status = "published"',
            attributesToRetrieve: ['id', 'title'],
            attributesToSearchOn: ['title', 'tags'],
          },
          {
            index: SOLUTIONS_INDEX,
            q: text,
            filter: 'status = "published"',
            attributesToRetrieve: ['id', 'title'],
            attributesToSearchOn: ['title', 'tags'],
          },
        ],
        { federation: { limit: 8 } },
      );
      return {
        items: res.hits.map((h) => {
          const type = h._federation?.indexUid === SOLUTIONS_INDEX ? 'solution' : 'issue';
          return { type, id: h.id, title: h.title, url: `/${type === 'issue' ? 'issues' : 'solutions'}/${h.id}` };
        }),
      };
    } catch (e) {
      this.log.warn(`suggest failed: ${(e as Error).message}`);
      return { items: [] };
    }
  }
}
