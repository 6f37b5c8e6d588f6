import type { components } from './schema';
export type Progress = components['schemas']['ProgressResponse'];
