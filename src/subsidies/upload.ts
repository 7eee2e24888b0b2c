import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
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
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) return ooxmlKind(buf);
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    // legacy Office (OLE compound file): Word, Excel or PowerPoint 97–2003
    return { mediaType: 'application/x-ole-storage', extensions: ['doc', 'xls', 'ppt'] };
  }
  return null;
}

const OOXML: { main: string; kind: Kind }[] = [
  {
    main: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
    kind: { mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extensions: ['docx'] },
  },
  {
    main: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
    kind: { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extensions: ['xlsx'] },
  },
  {
    main: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
    kind: { mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', extensions: ['pptx'] },
  },
];

/**
 * Office Open XML is a ZIP package: its `[Content_Types].xml` (a real XML part) declares the main part's
 * content type, and that part must be in the package and be XML. Entry names alone prove nothing.
 */
function ooxmlKind(buf: Buffer): Kind | null {
  const entries = zipEntries(buf);
  if (!entries) return null;
  const types = entries.get('[Content_Types].xml');
  const typesXml = types && zipText(buf, types, 64 * 1024);
  if (!typesXml || !/<Types\b[^>]*xmlns="http:\/\/schemas\.openxmlformats\.org\/package\/2006\/content-types"/.test(typesXml)) return null;
  for (const [, attrs] of typesXml.matchAll(/<Override\b([^>]*)\/?>/g)) {
    const part = /\bPartName="\/([^"]+)"/.exec(attrs)?.[1];
    const type = /\bContentType="([^"]+)"/.exec(attrs)?.[1];
    const known = OOXML.find((o) => o.main === type);
    if (!part || !known) continue;
    const entry = entries.get(part);
    const head = entry && zipText(buf, entry, 1024);
    return head && /^(\ufeff)?\s*<(\?xml|[A-Za-z])/.test(head) ? known.kind : null;
  }
  return null;
}

interface ZipEntry {
  method: number;
  compressedSize: number;
  localOffset: number;
}

/** The central directory of a ZIP (name → entry), or null when there is none or it is malformed. */
function zipEntries(buf: Buffer): Map<string, ZipEntry> | null {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) return null;
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) return null;
    const nameLength = buf.readUInt16LE(at + 28);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, {
      method: buf.readUInt16LE(at + 10),
      compressedSize: buf.readUInt32LE(at + 20),
      localOffset: buf.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * An entry's content as text, from at most `max` of its stored bytes (deflate expands at most ~1:1032, and the
 * output is capped at 2 MB), or null when unreadable or empty.
 */
function zipText(buf: Buffer, e: ZipEntry, max: number): string | null {
  const at = e.localOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== 0x04034b50) return null;
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + e.compressedSize);
  if (data.length !== e.compressedSize || !data.length) return null;
  try {
    const out =
      e.method === 0
        ? data.subarray(0, max)
        : e.method === 8
          ? zlib.inflateRawSync(data.subarray(0, max), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 2 * 1024 * 1024 })
          : null;
    return out?.length ? out.toString('utf8') : null;
  } catch {
    return null;
  }
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
