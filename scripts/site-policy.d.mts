export declare const CSP_DIRECTIVES: Record<string, string[]>;
export declare function contentSecurityPolicy(directives?: Record<string, string[]>): string;
