export * from './errors';
export * from './i18n';
export * from './pagination';
export * from './dates';
export * from './money';
export * from './tokens';
export * from './csv';
export * from './ids';
