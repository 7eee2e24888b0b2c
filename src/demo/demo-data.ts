/** Demo members of every kind, loaded on first start when SEED_DEMO is on. Passwords are demo-only. */
export const DEMO_PASSWORD = 'kyoso-demo-2026';
export const DEMO_SECRETARIAT = { email: 'secretariat@example.jp', password: 'kyoso-secretariat-2026' };

export const DEMO_ORGANIZATIONS = [
  {
    key: 'osaka',
    name: '大阪市',
    kind: 'municipality',
    municipalityCode: '27100',
    admin: { email: 'osaka-city@example.jp', name: '大阪 花子' },
  },
  {
    key: 'sakai',
    name: '堺市',
    kind: 'municipality',
    municipalityCode: '27140',
    admin: { email: 'sakai-city@example.jp', name: '堺 次郎' },
  },
  {
    key: 'tondabayashi',
    name: '富田林市',
    kind: 'municipality',
    municipalityCode: '27214',
    admin: { email: 'tondabayashi@example.jp', name: '富田 三郎' },
  },
  {
    key: 'mirai',
    name: '株式会社ミライモビリティ',
    kind: 'corporation',
    website: 'https://mirai-mobility.example.jp',
    admin: { email: 'mirai@example.jp', name: '未来 一郎' },
  },
  { key: 'kenko', name: 'けんこうデータ株式会社', kind: 'corporation', admin: { email: 'kenko@example.jp', name: '健康 由美' } },
  { key: 'univ', name: '大阪スマートシティ大学', kind: 'university', admin: { email: 'univ@example.jp', name: '学園 誠' } },
  { key: 'lab', name: '関西都市研究所', kind: 'research_institute', admin: { email: 'lab@example.jp', name: '研究 直子' } },
  { key: 'chamber', name: '大阪経済交流会議', kind: 'economic_organization', admin: { email: 'chamber@example.jp', name: '商工 健' } },
  { key: 'npo', name: 'NPO法人まちづくりネット', kind: 'npo', admin: { email: 'npo@example.jp', name: '町田 陽子' } },
  { key: 'solo', name: 'デザイン工房そら', kind: 'sole_proprietor', admin: { email: 'sora@example.jp', name: '空 翔太' } },
] as const;

export const DEMO_PENDING_APPLICATION = {
  organization: { name: '株式会社スマートケア関西', kind: 'corporation', website: 'https://smartcare.example.jp' },
  contact: { name: '介護 さくら', email: 'smartcare@example.jp', password: DEMO_PASSWORD },
};
