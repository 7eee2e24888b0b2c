export * from './workflow';
export * from './workflow-history.entity';
