import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { AppError } from '../../libs/common';
import { AppConfig } from '../../libs/config/app-config';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, Principal } from '../auth/principal';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyAttachment } from './entities/subsidy-parts.entity';
import { lockApplication, requireApplicant } from './subsidy.access';
import { ApplicationStatus, subsidyWorkflow, taskOpen } from './subsidy.state';
import { checkAttachment, UploadedBlob } from './upload';

const MAX_ATTACHMENTS = 20;

/** Application files may change while the application may be edited, report files while the report is due. */
function assertOpen(kind: 'application' | 'report', status: ApplicationStatus): void {
  if (kind === 'application' && !taskOpen('edit', status)) throw new AppError(409, 'subsidies.notEditable', { status });
  if (kind === 'report' && !subsidyWorkflow.actions.report.from.includes(status)) throw new AppError(409, 'subsidies.reportClosed');
}

/** Files attached to an application (or its report), stored under DATA_DIR/uploads, never in the web root. */
@Injectable()
export class SubsidyAttachmentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  private uploadsDir(): string {
    return this.config.resolveData('uploads', 'subsidies');
  }

  /**
   * Content checked (magic bytes vs the name's extension → 415) before anything is written; the file goes to
   * DATA_DIR/uploads under a random key, then the row is inserted; if the row fails, the file is removed.
   */
  async addAttachment(p: Principal, id: string, file: UploadedBlob | undefined, kindInput: string | undefined, ip?: string) {
    const app = await this.db.getRepository(SubsidyApplication).findOne({ where: { id } });
    if (!app) throw new AppError(404, 'notFound');
    await requireApplicant(this.db.manager, app, p);
    const kind = kindInput === 'report' ? 'report' : 'application';
    assertOpen(kind, app.status);
    if (!file || !file.size) throw new AppError(400, 'subsidies.fileMissing', {}, { file: ['subsidies.fileMissing'] });
    const { filename, mediaType } = checkAttachment(file);
    const storageKey = randomUUID().replace(/-/g, '');
    const dir = this.uploadsDir();
    const target = path.join(dir, storageKey);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(`${target}.part`, file.buffer, { flag: 'wx' });
    await fs.rename(`${target}.part`, target);
    try {
      return await this.db.transaction(async (m) => {
        const locked = await lockApplication(m, id);
        assertOpen(kind, locked.status);
        if ((await m.count(SubsidyAttachment, { where: { applicationId: id } })) >= MAX_ATTACHMENTS)
          throw new AppError(409, 'subsidies.tooManyFiles', { n: MAX_ATTACHMENTS });
        const row = await m.save(
          m.create(SubsidyAttachment, {
            applicationId: id,
            kind,
            filename,
            mediaType,
            sizeBytes: file.size,
            storageKey,
            sha256: createHash('sha256').update(file.buffer).digest('hex'),
            uploadedBy: p.userId,
          }),
        );
        await this.audit.record(
          {
            actorId: p.userId,
            action: 'subsidy.attachment.add',
            subjectType: 'subsidy_application',
            subjectId: id,
            ip,
            data: { attachmentId: row.id, filename, sizeBytes: file.size },
          },
          m,
        );
        return {
          id: row.id,
          kind: row.kind,
          filename: row.filename,
          mediaType: row.mediaType,
          sizeBytes: row.sizeBytes,
          createdAt: row.createdAt,
        };
      });
    } catch (err) {
      await fs.rm(target, { force: true });
      throw err;
    }
  }

  async removeAttachment(p: Principal, id: string, attachmentId: string, ip?: string): Promise<void> {
    const key = await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await requireApplicant(m, app, p);
      const att = await m.findOne(SubsidyAttachment, { where: { id: attachmentId, applicationId: id } });
      if (!att) throw new AppError(404, 'notFound');
      const open = att.kind === 'report' ? subsidyWorkflow.actions.report.from.includes(app.status) : taskOpen('edit', app.status);
      if (!open) throw new AppError(409, 'subsidies.notEditable', { status: app.status });
      await m.delete(SubsidyAttachment, { id: att.id });
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.attachment.remove',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { attachmentId, filename: att.filename },
        },
        m,
      );
      return att.storageKey;
    });
    await fs.rm(path.join(this.uploadsDir(), key), { force: true });
  }

  /** Only the applicant organisation and the secretariat may download; anyone else gets 404. */
  async attachmentFile(
    p: Principal,
    id: string,
    attachmentId: string,
  ): Promise<{ path: string; filename: string; mediaType: string; sizeBytes: number }> {
    const app = await this.db.getRepository(SubsidyApplication).findOne({ where: { id } });
    if (!app || !(isSecretariat(p) || (p.organizationId && p.organizationId === app.organizationId))) throw new AppError(404, 'notFound');
    const att = await this.db.getRepository(SubsidyAttachment).findOne({ where: { id: attachmentId, applicationId: id } });
    if (!att) throw new AppError(404, 'notFound');
    return {
      path: path.join(this.uploadsDir(), att.storageKey),
      filename: att.filename,
      mediaType: att.mediaType,
      sizeBytes: att.sizeBytes,
    };
  }
}
