import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import nodemailer, { Transporter } from 'nodemailer';
import { EntityManager } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { t } from '../../libs/common';
import { AppConfig } from '../../libs/config/app-config';

export interface MailRequest {
  to: string;
  /** key under "mail." in the message files: "<template>.subject" and "<template>.body" */
  template: string;
  lang?: string;
  params?: Record<string, unknown>;
}

const JOB = 'mail.send';

/**
 * Mail goes through the job queue, never at request time: enqueued in the caller's transaction,
 * delivered by SMTP (SMTP_URL) or written as .eml files under DATA_DIR/mail.
 */
@Injectable()
export class MailService implements OnModuleInit {
  private readonly logger = new Logger(MailService.name);
  private transport?: Transporter;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
  ) {}

  onModuleInit(): void {
    this.jobs.register<MailRequest>(JOB, (req) => this.deliver(req), { retryLimit: 8, batchSize: 25 });
  }

  async send(req: MailRequest, manager?: EntityManager): Promise<void> {
    await this.jobs.send(JOB, req, { manager });
  }

  /** Renders and delivers one message (the job handler). */
  async deliver(req: MailRequest): Promise<void> {
    const lang = req.lang ?? 'ja';
    const params = { ...req.params, baseUrl: this.config.baseUrl };
    const subject = t(lang, `mail.${req.template}.subject`, params);
    const text = `${t(lang, `mail.${req.template}.body`, params)}\n\n--\n${t(lang, 'mail.signature', params)}\n`;
    const message = { from: this.config.mailFrom, to: req.to, subject, text };
    if (this.config.smtpUrl) {
      this.transport ??= nodemailer.createTransport(this.config.smtpUrl);
      await this.transport.sendMail(message);
    } else {
      this.transport ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      const info = await this.transport.sendMail(message);
      const dir = this.config.resolveData('mail');
      await fs.mkdir(dir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}.eml`;
      await fs.writeFile(path.join(dir, name), info.message as Buffer);
    }
    this.logger.log(`mail ${req.template} sent to ${req.to}`);
  }
}
