import type { BuildOptions } from 'esbuild';

export declare const DASHBOARD_OUT_FILE: string;
export declare function dashboardBuildOptions(): BuildOptions & { write: false };
export declare function buildDashboard(outFile?: string): Promise<{ file: string; bytes: number; gzipBytes: number; written: boolean }>;
export declare function contentSecurityPolicy(js: string, css: string): string;
