import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import * as path from 'node:path';
import { Observable } from 'rxjs';
import { AppError } from '../../libs/common';
import { csrfValid } from '../web/csrf.middleware';
import { isApiPath } from '../web/request';

// multer ships with @nestjs/platform-express (no type package installed)

const multer: any = require('multer');

/** 20 MB per file. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface UploadedBlob {
  originalname: string;
  size: number;
  buffer: Buffer;
}

/**
 * Reads one multipart file (field `file`) into memory with a size limit, before anything is written:
 * over the limit → 413, and nothing is left behind. The file is validated and only then stored.
 */
const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 10, fieldSize: 10_000, parts: 12 },
  defParamCharset: 'utf8',
}).single('file');

@Injectable()
export class AttachmentUploadInterceptor implements NestInterceptor {
  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    await new Promise<void>((resolve, reject) =>
      upload(req, res, (err: unknown): void => {
        if (!err) return resolve();
        const code = (err as { code?: string }).code;
        if (code === 'LIMIT_FILE_SIZE')
          return reject(
            new AppError(413, 'subsidies.fileTooLarge', { mb: MAX_ATTACHMENT_BYTES / 1024 / 1024 }, { file: ['subsidies.fileTooLarge'] }),
          );
        if (code && code.startsWith('LIMIT_'))
          return reject(new AppError(400, 'subsidies.badUpload', {}, { file: ['subsidies.badUpload'] }));
        return reject(new AppError(400, 'malformedBody'));
      }),
    );
    // a page form carries its CSRF token in the multipart body (field `_csrf`), not in the URL
    if (!isApiPath(req.path) && !csrfValid(req)) throw new AppError(403, 'csrf.invalid');
    return next.handle();
  }
}

interface Kind {
  mediaType: string;
  extensions: string[];
}

const startsWith = (buf: Buffer, bytes: number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** What the CONTENT is (magic bytes), never what the name says. Null for anything we do not accept. */
export function sniff(buf: Buffer): Kind | null {
  if (startsWith(buf, ascii('%PDF-'))) return { mediaType: 'application/pdf', extensions: ['pdf'] };
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mediaType: 'image/png', extensions: ['png'] };
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return { mediaType: 'image/jpeg', extensions: ['jpg', 'jpeg'] };
  if (startsWith(buf, ascii('GIF87a')) || startsWith(buf, ascii('GIF89a'))) return { mediaType: 'image/gif', extensions: ['gif'] };
  if (startsWith(buf, ascii('RIFF')) && startsWith(buf, ascii('WEBP'), 8)) return { mediaType: 'image/webp', extensions: ['webp'] };
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) {
    // Office Open XML is a ZIP whose entry names (stored uncompressed) tell the kind of document
    if (!buf.includes('[Content_Types].xml')) return null;
    if (buf.includes('word/document.xml'))
      return { mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extensions: ['docx'] };
    if (buf.includes('xl/workbook.xml'))
      return { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extensions: ['xlsx'] };
    if (buf.includes('ppt/presentation.xml'))
      return { mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', extensions: ['pptx'] };
    return null;
  }
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    // legacy Office (OLE compound file): Word, Excel or PowerPoint 97–2003
    return { mediaType: 'application/x-ole-storage', extensions: ['doc', 'xls', 'ppt'] };
  }
  return null;
}

const OLE_TYPES: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};

/** 415 unless the content is an accepted type AND the name's extension says the same thing. */
export function checkAttachment(file: UploadedBlob): { filename: string; mediaType: string } {
  const filename = cleanFilename(file.originalname);
  const ext = path.extname(filename).slice(1).toLowerCase();
  const kind = sniff(file.buffer);
  if (!kind || !kind.extensions.includes(ext))
    throw new AppError(415, 'subsidies.fileType', { name: filename }, { file: ['subsidies.fileType'] });
  return { filename, mediaType: kind.mediaType === 'application/x-ole-storage' ? OLE_TYPES[ext] : kind.mediaType };
}

/** A display name only (the file is stored under a random key): no path, no control characters. */
export function cleanFilename(name: string): string {
  const base =
    String(name ?? '')
      .split(/[\\/]/)
      .pop() ?? '';
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, 200);
  return cleaned || 'file';
}
