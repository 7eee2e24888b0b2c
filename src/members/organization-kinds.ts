/** The kinds of member organisation (the secretariat's own organisation is of kind `secretariat`, not offered here). */
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
