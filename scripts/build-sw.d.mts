export declare function listFiles(dir: string): string[];
export declare function precacheList(files: string[], currentDecoder: string): string[];
export declare function cacheVersion(dir: string, files: string[]): string;
export declare function serviceWorkerSource(version: string, urls: string[]): string;
export declare function buildServiceWorker(dist: string): { version: string; count: number; bytes: number };
export declare const RELOAD_HEADER: string;
