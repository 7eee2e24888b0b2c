/** The kinds of member organisation, outside the entity file so that other modules can name them without importing an entity. */
export const ORGANIZATION_KINDS = [
  'corporation',
  'municipality',
  'university',
  'research_institute',
  'economic_organization',
  'npo',
  'sole_proprietor',
] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number] | 'secretariat';

/** The forum's membership types (会員種別), derived from the kind of organisation. */
export const MEMBERSHIP_TYPE: Record<OrganizationKind, string> = {
  corporation: 'corporate', // 法人会員
  sole_proprietor: 'individual', // 個人会員
  economic_organization: 'special_supporting', // 特別賛助会員
  municipality: 'supporting', // 賛助会員
  university: 'supporting',
  research_institute: 'supporting',
  npo: 'supporting',
  secretariat: 'secretariat',
};
