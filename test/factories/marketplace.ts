import { SearchService } from '../../libs/search';
import type { TestApp } from '../support/app';

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export function issueInput(over: Record<string, unknown> = {}) {
  return {
    title: '増え続ける空き家の実態を把握し、活用につなげたい',
    body: '本市の空き家は約5,000戸と推計されています。実態調査は職員による外観の目視で、費用と手間がかかっています。所有者に売却や賃貸を促す手立ても必要です。',
    fieldSlugs: ['safety'],
    tags: ['空き家', '住宅政策'],
    ...over,
  };
}

export function solutionInput(over: Record<string, unknown> = {}) {
  return {
    title: 'ドローンと画像解析による空き家の外観調査',
    summary: 'ドローン撮影とAIの画像解析で、空き家の老朽度を短期間・低コストで判定します。',
    body: '上空から住宅地を撮影し、屋根や外壁の傷みをAIで判定します。調査結果は地図で確認でき、所有者への通知文書も作成できます。',
    fieldSlugs: ['safety'],
    tags: ['空き家', 'ドローン'],
    ...over,
  };
}

/** Posts an issue through the API and returns its view. */
export async function postIssue(t: TestApp, token: string, over: Record<string, unknown> = {}) {
  const res = await t.http().post('/api/v1/issues').set(auth(token)).send(issueInput(over));
  if (res.status !== 201) throw new Error(`post issue failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function postSolution(t: TestApp, token: string, over: Record<string, unknown> = {}) {
  const res = await t.http().post('/api/v1/solutions').set(auth(token)).send(solutionInput(over));
  if (res.status !== 201) throw new Error(`post solution failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Like t.flushSearch(), with more patience: Meilisearch runs one task at a time for every suite sharing it. */
export async function flushSearch(t: TestApp, timeoutMs = 45_000): Promise<void> {
  await t.app.get(SearchService).flush(timeoutMs);
}
