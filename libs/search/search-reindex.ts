import { DataSource } from 'typeorm';
import { MeiliHttp, MeiliError } from './meili-http';
import type { SearchIndexes } from './search-indexes';
import type { IndexDefinition } from './search.types';

/**
 * Full reindex: rebuilds an index into a fresh `<uid>_<timestamp>` index and swaps it in (no downtime).
 * Plain helper of SearchService.
 */
export class SearchReindexer {
  constructor(
    private readonly indexes: SearchIndexes,
    private readonly meili: MeiliHttp,
    private readonly dataSource: DataSource,
    /** Wakes the outbox drainer (if bound) once the swap is done. */
    private readonly wakeOutbox: () => void,
  ) {}

  async reindexOne(def: IndexDefinition, log: (msg: string) => void): Promise<void> {
    const uid = this.indexes.uid(def.name);
    const fresh = `${uid}_${Date.now()}`;
    const lockRunner = this.dataSource.createQueryRunner();
    await lockRunner.connect();
    let swapped = false;
    try {
      const [{ locked }] = await lockRunner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', ['kyoso_reindex:' + def.name]);
      if (!locked) throw new Error(`A reindex of "${def.name}" is already running`);
      const t0 = Date.now();
      // Marker: from now on drainers log the ids they apply, so those documents are re-applied after the swap.
      await this.dataSource.query(
        `INSERT INTO search_reindex (index_name, started_at) VALUES ($1, now())
         ON CONFLICT (index_name) DO UPDATE SET started_at = now()`,
        [def.name],
      );
      await this.indexes.ensure(def.name, fresh, true);
      let total = 0;
      const tasks: number[] = [];
      // Pipelined: Meilisearch indexes the batches already sent (it auto-batches queued tasks) while the next ones are
      // read from PostgreSQL; waiting for each task in turn left it idle between batches (test/bench: reindex vs direct).
      await def.loadAll(async (docs) => {
        for (let i = 0; i < docs.length; i += 1000) {
          const chunk = docs.slice(i, i + 1000);
          if (chunk.length === 0) continue;
          const enq = await this.meili.request<{ taskUid: number }>(
            'POST',
            `indexes/${encodeURIComponent(fresh)}/documents?primaryKey=id`,
            chunk,
            120_000,
          );
          tasks.push(enq.taskUid);
          total += chunk.length;
        }
      });
      if (tasks.length) {
        await this.meili.waitForTask(tasks[tasks.length - 1], Math.max(120_000, total * 20));
        const failed = await this.meili.request<{ results: Array<{ uid: number; status: string; error?: { message?: string } | null }> }>(
          'GET',
          `tasks?uids=${tasks.join(',')}&statuses=failed,canceled,enqueued,processing&limit=1`,
        );
        const bad = failed.results[0];
        if (bad) throw new MeiliError(`Meilisearch task ${bad.uid} of the reindex ${bad.status}: ${bad.error?.message ?? ''}`, 'task');
      }
      log(`reindex ${def.name}: ${total} documents loaded into ${fresh} in ${Date.now() - t0} ms`);
      await this.indexes.ensure(def.name, uid); // live index must exist for the swap
      // Meilisearch 1.21 does not know the `rename` field that the 0.62 client's IndexSwap type requires: omit it.
      await this.meili.runTask('POST', 'swap-indexes', [{ indexes: [uid, fresh] }], 60_000);
      swapped = true;
      this.indexes.moveApplied(fresh, uid);
      await this.finishReindexMarker(def.name);
      await this.meili.runTask('DELETE', `indexes/${encodeURIComponent(fresh)}`, undefined, 60_000).catch((e) => {
        log(`reindex ${def.name}: could not delete old index ${fresh}: ${(e as Error).message}`);
      });
      log(`reindex ${def.name}: swapped in, ${total} documents, ${Date.now() - t0} ms`);
      this.wakeOutbox();
    } catch (e) {
      if (!swapped) {
        await this.meili.request('DELETE', `indexes/${encodeURIComponent(fresh)}`).catch(() => undefined);
        this.indexes.forgetApplied(fresh);
        await this.finishReindexMarker(def.name).catch(() => undefined);
      }
      throw e;
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock(hashtext($1))', ['kyoso_reindex:' + def.name]).catch(() => undefined);
      await lockRunner.release();
    }
  }

  /** Removes the marker (waiting for drainers that hold it) and re-enqueues the ids they applied meanwhile. */
  private async finishReindexMarker(name: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query('DELETE FROM search_reindex WHERE index_name = $1', [name]);
      await m.query(
        `WITH moved AS (DELETE FROM search_reindex_log WHERE index_name = $1 RETURNING document_id)
         INSERT INTO search_outbox (index_name, document_id) SELECT DISTINCT $1, document_id FROM moved`,
        [name],
      );
    });
  }
}
