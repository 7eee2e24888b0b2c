import { Injectable } from '@nestjs/common';
import { toCsv } from '../../libs/common';
import { FieldsService } from '../fields/fields.service';
import { IssuesDirectory } from '../issues/issues.directory';
import { MembersDirectory } from '../members/directory.service';

const MONTHS = 12;
const TOP_TAGS = 20;
const HEAT_LEVELS = 5;

export interface HeatCell {
  field: string;
  count: number;
  /** 0 (none) … 5 (the most), a CSS class heat-<level> */
  level: number;
  href: string;
}

export interface IssueMapView {
  total: number;
  fields: Array<{ slug: string; name: string; total: number }>;
  rows: Array<{ code: string; name: string; total: number; cells: HeatCell[] }>;
  months: Array<{ month: string; label: string; count: number }>;
  chart: {
    width: number;
    height: number;
    max: number;
    bars: Array<{
      x: number;
      y: number;
      width: number;
      height: number;
      label: string;
      count: number;
      labelX: number;
      labelY: number;
      valueY: number;
    }>;
    axisY: number;
    gridLines: Array<{ y: number; value: number }>;
  };
  tags: Array<{ tag: string; count: number; href: string }>;
}

export interface OpenDataIssue {
  id: string;
  title: string;
  body: string;
  fields: Array<{ slug: string; name: string }>;
  tags: string[];
  municipality: { code: string; name: string };
  status: 'published' | 'closed';
  publishedAt: string;
  closedAt: string | null;
}

/** The issue map (見える化) and the open data of published issues. */
@Injectable()
export class IssueMapService {
  constructor(
    private readonly issues: IssuesDirectory,
    private readonly members: MembersDirectory,
    private readonly fieldsService: FieldsService,
  ) {}

  async map(lang = 'ja', now: Date = new Date()): Promise<IssueMapView> {
    const fields = await this.fieldsService.list(lang);
    const [cells, months, tags, total, totals, municipalities] = await Promise.all([
      this.issues.publicCountsByMunicipalityAndField(),
      this.issues.publicCountsByMonth(now, MONTHS),
      this.issues.publicTopTags(TOP_TAGS),
      this.issues.publicCount(),
      this.issues.publicCountsByMunicipality(),
      this.members.municipalityNames(),
    ]);
    // (as before: an issue of a municipality the reference data lacks is not on the heat map)
    const byCell = cells.filter((c) => municipalities.has(c.code)).map((c) => ({ ...c, name: municipalities.get(c.code)! }));

    // the heat map: municipalities with at least one issue × every field
    const max = Math.max(0, ...byCell.map((c) => c.n));
    const muni = new Map<string, { code: string; name: string; counts: Map<string, number> }>();
    for (const c of byCell) {
      if (!muni.has(c.code)) muni.set(c.code, { code: c.code, name: c.name, counts: new Map() });
      muni.get(c.code)!.counts.set(c.field, c.n);
    }
    const rows = [...muni.values()]
      .sort((a, b) => a.code.localeCompare(b.code))
      .map((r) => ({
        code: r.code,
        name: r.name,
        total: totals.get(r.code) ?? 0,
        cells: fields.map((f) => {
          const count = r.counts.get(f.slug) ?? 0;
          return { field: f.name, count, level: heatLevel(count, max), href: `/issues?field=${f.slug}&municipality=${r.code}` };
        }),
      }));
    const fieldTotals = new Map<string, number>();
    for (const c of byCell) fieldTotals.set(c.field, (fieldTotals.get(c.field) ?? 0) + c.n);

    const monthRows = months.map((m) => ({ month: m.month, label: monthLabel(m.month, lang), count: m.n }));
    return {
      total,
      fields: fields.map((f) => ({ slug: f.slug, name: f.name, total: fieldTotals.get(f.slug) ?? 0 })),
      rows,
      months: monthRows,
      chart: barChart(monthRows),
      tags: tags.map((t) => ({ tag: t.tag, count: t.n, href: `/issues?q=${encodeURIComponent(t.tag)}` })),
    };
  }

  /** Every public issue (published or closed; never drafts) its municipality released as open data, without personal data (no contact person). */
  async openData(): Promise<OpenDataIssue[]> {
    const fields = await this.fieldsService.list('ja');
    const names = new Map(fields.map((f) => [f.slug, f.name]));
    const [rows, municipalities] = await Promise.all([this.issues.openDataIssues(), this.members.municipalityNames()]);
    return rows
      .filter((r) => municipalities.has(r.municipalityCode))
      .map((r) => ({
        id: r.id,
        title: r.title,
        body: r.body,
        fields: r.fieldSlugs.map((slug) => ({ slug, name: names.get(slug) ?? slug })),
        tags: r.tags,
        municipality: { code: r.municipalityCode, name: municipalities.get(r.municipalityCode)! },
        status: r.status,
        publishedAt: new Date(r.publishedAt).toISOString(),
        closedAt: r.closedAt ? new Date(r.closedAt).toISOString() : null,
      }));
  }

  /** RFC 4180 CSV (CRLF line ends, every field quoted) with a UTF-8 byte order mark, so spreadsheet software reads Japanese. */
  async openDataCsv(): Promise<string> {
    const items = await this.openData();
    const header = [
      'id',
      'title',
      'body',
      'field_slugs',
      'field_names',
      'tags',
      'municipality_code',
      'municipality_name',
      'status',
      'published_at',
      'closed_at',
    ];
    return toCsv(
      header,
      items.map((i) => [
        i.id,
        i.title,
        i.body,
        i.fields.map((f) => f.slug).join(';'),
        i.fields.map((f) => f.name).join(';'),
        i.tags.join(';'),
        i.municipality.code,
        i.municipality.name,
        i.status,
        i.publishedAt,
        i.closedAt ?? '',
      ]),
    );
  }
}

export function heatLevel(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.max(1, Math.ceil((count / max) * HEAT_LEVELS));
}

function monthLabel(month: string, lang: string): string {
  const [y, m] = month.split('-');
  return lang === 'en' ? `${y}-${m}` : `${y}年${Number(m)}月`;
}

/** Geometry of a vertical bar chart, computed here so the template only writes SVG attributes. */
function barChart(months: Array<{ label: string; count: number; month: string }>): IssueMapView['chart'] {
  const width = 720;
  const height = 260;
  const left = 40;
  const top = 20;
  const bottom = 50;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...months.map((m) => m.count));
  const niceMax = Math.max(1, Math.ceil(max / 5) * 5 > max + 4 ? max : Math.ceil(max / 5) * 5);
  const step = (width - left - 10) / Math.max(1, months.length);
  const bars = months.map((m, i) => {
    const h = Math.round((m.count / niceMax) * plotH);
    const x = Math.round(left + i * step + step * 0.15);
    const w = Math.max(2, Math.round(step * 0.7));
    const y = top + plotH - h;
    return {
      x,
      y,
      width: w,
      height: h,
      label: m.month.slice(2).replace('-', '/'),
      count: m.count,
      labelX: x + w / 2,
      labelY: top + plotH + 18,
      valueY: Math.max(top + 12, y - 4),
    };
  });
  const gridLines = [0, 0.5, 1].map((f) => ({ y: Math.round(top + plotH - f * plotH), value: Math.round(f * niceMax) }));
  return { width, height, max: niceMax, bars, axisY: top + plotH, gridLines };
}
